"""The analysts' console at /console/ (issue 13): server-rendered pages over the center's use-cases,
with its own accounts, sessions and CSRF tokens. `antifraud.console.app.create_console` builds it."""
