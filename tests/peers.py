"""Finding the real peers (Debian binaries) that end-to-end tests start.

A missing binary skips the test on a developer's machine, and fails it under CI=true: in CI a
skipped real-peer test would hide a broken install step.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def require_binary(name: str, debian_package: str) -> str:
    path = shutil.which(name) or next(
        (str(Path(d) / name) for d in SBIN_DIRS if os.access(Path(d) / name, os.X_OK)), None
    )
    if path is not None:
        return path
    message = f"{name} not found: install the Debian package {debian_package} (make test does it as root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)


# A local kz. zone: names resolve without the internet, and RPZ applies to its answers exactly as it
# would to answers from the real .kz servers (Unbound serves it as an auth-zone for upstream).
KZ_ZONE = """$TTL 300
@ SOA ns.kz. hostmaster.kz. 1 3600 600 86400 300
@ NS ns.kz.
ns A 192.0.2.1
weather A 192.0.2.10
kaspi A 192.0.2.20
kaspi-bonus A 192.0.2.66
login.kaspi-bonus A 192.0.2.66
egov-pay A 192.0.2.67
www.egov-pay A 192.0.2.67
xn----7sbe0aiwgergv A 192.0.2.68
"""


def unbound_config(
    workdir: Path, port: int, *, rpz: str, rpz_name: str = "rpz.antifraud.", include: Path | None = None
) -> str:
    """An Unbound on 127.0.0.1:`port` answering from KZ_ZONE (written to `workdir`/kz.zone by the caller)
    through one RPZ; `rpz` is its source lines, e.g. `url: ...` or `zonefile: "..."`."""
    source = "\n".join(f"  {line}" for line in rpz.strip().splitlines())
    extra = f'\n  include: "{include}"' if include is not None else ""
    return f"""server:
  interface: 127.0.0.1
  port: {port}
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{workdir}"
  pidfile: "{workdir}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  module-config: "respip validator iterator"
  access-control: 127.0.0.0/8 allow
  trust-anchor-signaling: no{extra}
remote-control:
  control-enable: no
auth-zone:
  name: "kz."
  zonefile: "{workdir}/kz.zone"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
rpz:
  name: "{rpz_name}"
{source}
  rpz-log: yes
"""
