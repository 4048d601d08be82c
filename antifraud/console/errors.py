"""Errors the console shows to a person. Each carries a msgid (marked with N_ so that Babel extracts
it) and its parameters, and is translated where it is rendered: no sentence is built in code."""

from __future__ import annotations

from antifraud.domain.errors import InvalidInput


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark for extraction, translate later"
    return msgid


class Refused(InvalidInput):
    """A console form was refused; `msgid % params` says why, in the reader's language once translated."""

    code = "refused"

    def __init__(self, msgid: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(msgid % params if params else msgid, field=field)
        self.msgid = msgid
        self.params = params


class LoginRefused(Refused):
    code = "login_refused"


class Throttled(Refused):
    code = "throttled"

    def __init__(self, retry_after: float) -> None:
        minutes = max(1, round(retry_after / 60 + 0.49))
        super().__init__(N_("too many failed logins: try again in %(minutes)d min"), minutes=minutes)
        self.retry_after = retry_after
