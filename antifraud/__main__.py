from antifraud.cli import main

raise SystemExit(main())
