"""Console accounts and sessions: users created with a one-time password, logins throttled, sessions
kept in the store (found by the hash of their cookie), ended by logout, idleness or age.

A session carries its own CSRF token: every state-changing form of the console posts it back, and a
form without it, or with another session's, is refused.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from antifraud.console.errors import N_, LoginRefused, Refused, Throttled
from antifraud.console.passwords import MAX_LENGTH, Hasher, check_new_password, one_time_password
from antifraud.console.ports import ConsoleSession, ConsoleStore, ConsoleUser, Role
from antifraud.console.throttle import LoginThrottle
from antifraud.ports import Clock

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most this often per session (a write per page is waste)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True, slots=True)
class Signed:
    """A person signed in: the cookie to set (shown once) and the session it opens."""

    token: str
    session: ConsoleSession
    user: ConsoleUser


@dataclass(frozen=True, slots=True)
class Visitor:
    """The signed-in person of a request."""

    user: ConsoleUser
    session: ConsoleSession

    @property
    def actor(self) -> str:
        """How the audit log names them: every decision in the console is theirs."""
        return f"analyst:{self.user.name}"

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN


class Accounts:
    def __init__(
        self, store: ConsoleStore, hasher: Hasher, clock: Clock, policy: SessionPolicy, throttle: LoginThrottle
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.policy = policy
        self.throttle = throttle

    async def add_user(self, name: str, role: Role) -> str:
        """Create a user; returns the one-time password (shown once, changed at the first login)."""
        if not NAME.match(name):
            raise Refused(
                N_("a user name is 1-64 letters, digits and . _ @ - (starting with a letter or digit)"), field="name"
            )
        password = one_time_password()
        user = ConsoleUser(name, role, await self.hasher.hash(password), must_change=True, created_at=self.clock.now())
        await self.store.add_user(user)
        return password

    async def login(self, username: str, password: str, address: str) -> Signed:
        now = self.clock.now()
        username = username.strip()
        wait = self.throttle.retry_after(username, address, now)
        if wait > 0:
            raise Throttled(wait)
        user = await self.store.get_user(username) if NAME.match(username) else None
        stored = user.password_hash if user is not None and not user.disabled else ""
        # the hasher checks a decoy when there is no such user: a wrong name costs what a wrong password does
        ok = len(password) <= MAX_LENGTH and await self.hasher.verify(stored, password)
        if not ok or user is None:
            self.throttle.failed(username, address, now)
            raise LoginRefused(N_("wrong user name or password"), field="password")
        self.throttle.succeeded(username)
        return await self._open(user, now)

    async def _open(self, user: ConsoleUser, now: datetime) -> Signed:
        token = secrets.token_urlsafe(32)
        session = ConsoleSession(
            token_hash(token), user.name, secrets.token_urlsafe(32), now, now, now + self.policy.lifetime
        )
        await self.store.add_session(session)
        return Signed(token, session, user)

    async def visitor(self, token: str) -> Visitor | None:
        """The person a session cookie belongs to, or None (unknown, expired, idle too long, disabled)."""
        if not token or len(token) > 128:
            return None
        hashed = token_hash(token)
        session = await self.store.get_session(hashed)
        if session is None:
            return None
        now = self.clock.now()
        if now >= session.expires_at or now - session.last_seen_at >= self.policy.idle:
            await self.store.delete_session(hashed)
            return None
        user = await self.store.get_user(session.username)
        if user is None or user.disabled:
            await self.store.delete_session(hashed)
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            await self.store.touch_session(hashed, now)
        return Visitor(user, session)

    async def logout(self, visitor: Visitor) -> None:
        await self.store.delete_session(visitor.session.token_hash)

    async def change_password(self, visitor: Visitor, current: str, new: str, repeated: str) -> Signed:
        """Change the password; every other session of the user ends, and this one is replaced by a new
        session (a session opened with the old password does not carry over)."""
        if not await self.hasher.verify(visitor.user.password_hash, current):
            raise Refused(N_("the current password is wrong"), field="current_password")
        if new != repeated:
            raise Refused(N_("the two new passwords differ"), field="repeat_password")
        check_new_password(visitor.user.name, new, current)
        now = self.clock.now()
        await self.store.set_password(visitor.user.name, await self.hasher.hash(new), must_change=False, at=now)
        await self.store.delete_sessions_of(visitor.user.name)
        user = await self.store.get_user(visitor.user.name)
        if user is None:
            raise Refused(N_("this account no longer exists"))
        return await self._open(user, now)

    async def prune(self) -> int:
        return await self.store.prune_sessions(self.clock.now())


def csrf_matches(expected: str, presented: str | None) -> bool:
    if not expected or presented is None:
        return False
    # bytes: compare_digest refuses str with non-ASCII characters, which a hostile form may well send
    return secrets.compare_digest(expected.encode(), presented.encode("utf-8", "surrogatepass"))
