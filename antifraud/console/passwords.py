"""Password hashing with argon2id (argon2-cffi), off the event loop: a hash costs tens of milliseconds
of CPU on purpose, and the API's checks must not wait behind it."""

from __future__ import annotations

import asyncio
import secrets
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from antifraud.console.errors import N_, Refused

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; a megabyte "password" would only cost us CPU


class Hasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, stored: str, password: str) -> bool: ...


class Argon2Hasher:
    """argon2id with the library's defaults (RFC 9106 second choice) unless told otherwise (tests)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # verifying against this when the user does not exist takes as long as a real check
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str, password: str) -> bool:
        def check() -> bool:
            try:
                return bool(self._hasher.verify(stored or self._decoy, password)) and bool(stored)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)


def one_time_password() -> str:
    """20 characters from the URL-safe alphabet: 120 bits, easy to paste, no quoting in a shell."""
    return secrets.token_urlsafe(15)


def check_new_password(username: str, password: str, current: str) -> None:
    """The rules for a chosen password; raises InvalidInput saying which one failed."""
    field = "new_password"
    if len(password) < MIN_LENGTH:
        raise Refused(N_("the new password needs at least %(n)d characters"), field=field, n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise Refused(N_("the new password may have at most %(n)d characters"), field=field, n=MAX_LENGTH)
    if password == current:
        raise Refused(N_("the new password must differ from the current one"), field=field)
    if username.casefold() in password.casefold():
        raise Refused(N_("the new password must not contain the user name"), field=field)
    if len(set(password)) < 5:
        raise Refused(N_("the new password uses too few different characters"), field=field)
