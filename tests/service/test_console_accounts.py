"""Console accounts and sessions over the in-memory store: one-time passwords, logins, throttling,
expiry, logout, password changes, and two admins racing to create the same user."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fakes import FakeClock, FakeStore
from fakes_console import FakeConsoleStore

from antifraud.console.accounts import Accounts, SessionPolicy, csrf_matches, token_hash
from antifraud.console.errors import LoginRefused, Refused, Throttled
from antifraud.console.passwords import Argon2Hasher
from antifraud.console.ports import Role
from antifraud.console.throttle import LoginThrottle
from antifraud.domain.errors import Conflict

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # argon2id, test-sized


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def accounts(clock):
    store = FakeConsoleStore(FakeStore())
    policy = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
    return Accounts(store, Argon2Hasher(CHEAP), clock, policy, LoginThrottle(3, timedelta(minutes=15)))


async def test_a_new_user_logs_in_with_the_one_time_password_and_must_change_it(accounts):
    password = await accounts.add_user("aigerim", Role.ANALYST)
    assert len(password) >= 20
    stored = accounts.store.users["aigerim"]
    assert stored.password_hash.startswith("$argon2id$")
    assert password not in stored.password_hash
    signed = await accounts.login("aigerim", password, "10.0.0.1")
    assert signed.user.must_change
    assert signed.session.token_hash == token_hash(signed.token)
    assert signed.token not in accounts.store.sessions  # only its hash is stored
    visitor = await accounts.visitor(signed.token)
    assert visitor is not None
    assert visitor.actor == "analyst:aigerim"
    renewed = await accounts.change_password(visitor, password, "steppe-eagle-2026", "steppe-eagle-2026")
    assert not renewed.user.must_change
    assert await accounts.visitor(signed.token) is None  # the session of the one-time password is gone
    assert (await accounts.visitor(renewed.token)).user.name == "aigerim"
    with pytest.raises(LoginRefused):
        await accounts.login("aigerim", password, "10.0.0.1")
    assert (await accounts.login("aigerim", "steppe-eagle-2026", "10.0.0.1")).user.name == "aigerim"


@pytest.mark.parametrize(
    ("new", "repeated", "field"),
    [
        ("short", "short", "new_password"),
        ("aigerim-is-my-password", "aigerim-is-my-password", "new_password"),
        ("aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "new_password"),
        ("steppe-eagle-2026", "steppe-eagle-2027", "repeat_password"),
        ("x" * 300, "x" * 300, "new_password"),
    ],
)
async def test_a_weak_or_mistyped_new_password_is_refused_saying_why(accounts, new, repeated, field):
    password = await accounts.add_user("aigerim", Role.ANALYST)
    visitor = await accounts.visitor((await accounts.login("aigerim", password, "a")).token)
    with pytest.raises(Refused) as caught:
        await accounts.change_password(visitor, password, new, repeated)
    assert caught.value.field == field
    with pytest.raises(Refused, match="current password is wrong"):
        await accounts.change_password(visitor, "not-it", "steppe-eagle-2026", "steppe-eagle-2026")


async def test_wrong_passwords_are_throttled_per_name_and_a_success_clears_the_name(accounts, clock):
    password = await accounts.add_user("aigerim", Role.ANALYST)
    for _ in range(3):
        with pytest.raises(LoginRefused, match="wrong user name or password"):
            await accounts.login("aigerim", "guess", "10.0.0.9")
    with pytest.raises(Throttled) as caught:
        await accounts.login("aigerim", password, "10.0.0.9")  # even the right password waits
    assert 0 < caught.value.retry_after <= 15 * 60
    clock.advance(minutes=16)
    await accounts.login("aigerim", password, "10.0.0.9")
    with pytest.raises(LoginRefused):
        await accounts.login("aigerim", "guess", "10.0.0.9")
    await accounts.login("aigerim", password, "10.0.0.9")  # one failure after a success is not a lockout


async def test_an_unknown_user_is_refused_like_a_wrong_password_and_is_throttled_too(accounts):
    for _ in range(3):
        with pytest.raises(LoginRefused, match="wrong user name or password"):
            await accounts.login("nobody", "guess", "10.0.0.9")
    with pytest.raises(Throttled):
        await accounts.login("nobody", "guess", "10.0.0.9")
    with pytest.raises(LoginRefused):  # a name that cannot exist is just wrong, not an error
        await accounts.login("<script>" + "x" * 500, "guess", "10.0.0.8")


async def test_one_address_trying_many_names_is_throttled(accounts):
    for i in range(12):
        with pytest.raises(LoginRefused):
            await accounts.login(f"name{i}", "guess", "203.0.113.5")
    with pytest.raises(Throttled):
        await accounts.login("another", "guess", "203.0.113.5")


async def test_sessions_end_when_idle_when_old_and_on_logout(accounts, clock):
    password = await accounts.add_user("aigerim", Role.ANALYST)
    signed = await accounts.login("aigerim", password, "a")
    clock.advance(minutes=29)
    assert await accounts.visitor(signed.token) is not None  # used: the idle time starts again
    clock.advance(minutes=29)
    assert await accounts.visitor(signed.token) is not None
    clock.advance(minutes=31)
    assert await accounts.visitor(signed.token) is None  # idle too long
    assert signed.session.token_hash not in accounts.store.sessions
    signed = await accounts.login("aigerim", password, "a")
    for _ in range(25):  # busy all day: the session still ends 12 hours after the login
        clock.advance(minutes=29)
        await accounts.visitor(signed.token)
    assert await accounts.visitor(signed.token) is None
    signed = await accounts.login("aigerim", password, "a")
    await accounts.logout(await accounts.visitor(signed.token))
    assert await accounts.visitor(signed.token) is None


async def test_a_forged_or_hostile_cookie_is_no_session(accounts):
    assert await accounts.visitor("") is None
    assert await accounts.visitor("x" * 10_000) is None
    assert await accounts.visitor("nonexistent-token") is None
    assert await accounts.visitor("\udcff\x00'; DROP TABLE console_sessions; --") is None


async def test_two_admins_adding_the_same_user_at_once_one_wins_and_one_is_told(accounts):
    results = await asyncio.gather(
        accounts.add_user("daniyar", Role.ANALYST), accounts.add_user("daniyar", Role.ADMIN), return_exceptions=True
    )
    assert sum(isinstance(r, str) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert len(await accounts.store.list_users()) == 1


@pytest.mark.parametrize("name", ["", " ", "a" * 65, "имя", "a b", "-lead", "x;rm", "<b>"])
async def test_user_names_are_plain(accounts, name):
    with pytest.raises(Refused, match="user name"):
        await accounts.add_user(name, Role.ANALYST)


def test_csrf_tokens_compare_in_constant_time_and_never_crash_on_hostile_input():
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert not csrf_matches("abc", None)
    assert not csrf_matches("", "")
    assert not csrf_matches("abc", "абв")  # non-ASCII: hmac.compare_digest on str would raise
    assert not csrf_matches("abc", "\udcff")
