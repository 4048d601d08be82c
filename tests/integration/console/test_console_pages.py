"""The console through aiohttp's test client on SQLite: logging in, every page, decisions audited with
the analyst's name and published, bulk decisions with a confirmation, the held publication, search,
languages, and the security headers on every answer."""

from __future__ import annotations

from dataclasses import replace

import pytest
from console_client import NEW_PASSWORD, console_app, csrf_of

from antifraud.console.ports import Role
from antifraud.domain.model import Action, Category, IndicatorKey, IndicatorType, ListingState
from antifraud.services.intake import ReportInput
from antifraud.settings import ConsoleSettings, PublicationSettings

PAGES = ["/console/", "/console/queue", "/console/disputes", "/console/allowlist", "/console/publication",
         "/console/search?by=value&q=kaspi-bonus.kz", "/console/search?by=prefix&q=kaspi",
         "/console/search?by=brand&q=Kaspi+Bank", "/console/i/domain/kaspi-bonus.kz"]  # fmt: skip


async def report(console, value, operator="Halyk", category=Category.PHISHING, comment=None, kind=None):
    op = await console.center.store.ensure_operator(operator)
    kind = kind or (IndicatorType.URL if "://" in value else IndicatorType.DOMAIN)
    await console.center.intake.submit(op, [ReportInput(kind, value, category, comment=comment)])


def assert_hardened(response, body):
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in body  # no inline script anywhere
    assert " style=" not in body  # nor inline style


async def test_the_console_asks_for_a_login_first(console):
    r = await console.get("/console/queue?type=domain")
    assert r.status == 303
    assert r.headers["Location"] == "/console/login?next=%2Fconsole%2Fqueue%3Ftype%3Ddomain"
    r = await console.get("/console")
    assert r.status == 308
    r = await console.get("/console/login")
    body = await r.text()
    assert_hardened(r, body)
    assert 'name="username"' in body
    assert 'name="password"' in body
    cookie = r.cookies["af_login_csrf"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # plain HTTP on loopback


async def test_a_one_time_password_must_be_changed_before_anything_else(console):
    password = await console.add_user("aigerim")
    await console.login("aigerim", password, change_to=None)
    r = await console.get("/console/queue")
    assert r.status == 303
    assert r.headers["Location"] == "/console/password"
    page = await console.get("/console/password")
    r = await console.post(
        "/console/password",
        {"csrf_token": csrf_of(await page.text()), "current_password": password, "new_password": "short",
         "repeat_password": "short"},
        csrf=False,
    )  # fmt: skip
    assert r.status == 400
    assert "at least 12 characters" in await r.text()
    r = await console.post(
        "/console/password",
        {"csrf_token": csrf_of(await page.text()), "current_password": password, "new_password": NEW_PASSWORD,
         "repeat_password": NEW_PASSWORD},
        csrf=False,
    )  # fmt: skip
    assert r.status == 303
    assert (await console.get("/console/queue")).status == 200


async def test_wrong_passwords_are_refused_then_throttled(console):
    await console.add_user("aigerim")
    page = await console.get("/console/login")
    token = csrf_of(await page.text())
    statuses = []
    for _ in range(6):
        r = await console.post(
            "/console/login", {"csrf_token": token, "username": "aigerim", "password": "guess"}, csrf=False
        )
        statuses.append(r.status)
    assert statuses == [401] * 5 + [429]
    assert "Retry-After" in r.headers
    assert "too many failed logins" in await r.text()


async def test_every_page_renders_hardened_in_every_language(console):
    await report(console, "https://kaspi-bonus.kz/login", comment="SMS to clients")
    await console.analyst("aigerim", Role.ADMIN)
    for lang, word in (("en", "Review queue"), ("ru", "Очередь проверки"), ("kk", "Тексеру кезегі")):
        for path in PAGES:
            sep = "&" if "?" in path else "?"
            r = await console.get(f"{path}{sep}lang={lang}")
            body = await r.text()
            assert r.status == 200, (path, body)
            assert_hardened(r, body)
            assert f'<html lang="{lang}">' in body
            assert word in body  # the navigation, translated
        assert (await console.get("/console/users")).status == 200
    r = await console.get("/console/nothing-here?lang=en")  # the language chosen last stays (a cookie)
    assert r.status == 404
    assert "there is no such page" in await r.text()
    static = await console.get("/console/static/console.css")
    assert static.status == 200
    assert static.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_analyst_cannot_open_the_administrators_pages(console):
    await console.analyst("aigerim", Role.ANALYST)
    r = await console.get("/console/users")
    assert r.status == 403
    r = await console.post("/console/users", {"name": "intruder", "role": "admin"})
    assert r.status == 403
    assert await console.services.store.get_user("intruder") is None


async def test_a_decision_is_audited_with_the_analysts_name_and_published(console):
    await report(console, "https://kaspi-bonus.kz/login")
    await console.analyst("aigerim")
    r = await console.post(
        "/console/i/domain/kaspi-bonus.kz/decide",
        {"action": "block", "category": "bank_impersonation", "reason": "clone of the Kaspi login page"},
    )
    assert r.status == 303
    assert r.headers["Location"] == "/console/i/domain/kaspi-bonus.kz?done=block"
    history = await console.center.store.audit_for(IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz"))
    assert ("analyst:aigerim", "listed", "clone of the Kaspi login page") in [
        (a.actor, a.to_state, a.reason) for a in history
    ]
    assert "kaspi-bonus.kz" in (await console.published()).splitlines()
    page = await (await console.get("/console/i/domain/kaspi-bonus.kz?done=block")).text()
    assert "analyst:aigerim" in page
    assert "still published" in page


async def test_a_refused_decision_says_why_on_the_page(console):
    await console.analyst("aigerim")
    await report(console, "kaspi.kz")
    r = await console.post("/console/i/domain/kaspi.kz/decide", {"action": "block", "reason": "looks odd"})
    assert r.status == 409
    assert "cannot be blocked" in await r.text()
    await report(console, "kaspi-bonus.kz")
    r = await console.post("/console/i/domain/kaspi-bonus.kz/decide", {"action": "block", "reason": "  "})
    assert r.status == 400
    r = await console.post("/console/i/domain/kaspi-bonus.kz/decide", {"action": "destroy", "reason": "x"})
    assert r.status == 400
    r = await console.post(
        "/console/i/domain/kaspi-bonus.kz/decide", {"action": "block", "category": "nonsense", "reason": "x"}
    )
    assert r.status == 400


async def test_bulk_decisions_wait_for_a_confirmation(console):
    for name in ("kaspi-bonus.kz", "kaspi-gift.kz", "kaspi-prize.kz"):
        await report(console, name)
    await console.analyst("aigerim")
    queue = await (await console.get("/console/queue")).text()
    assert queue.count('name="item"') == 3
    chosen = {"item": ["domain:kaspi-bonus.kz", "domain:kaspi-gift.kz"], "action": "block", "reason": "same kit"}
    r = await console.client.post(
        "/console/queue/bulk", data=[("csrf_token", console.csrf), *((k, v) for k, vs in chosen.items()
                                     for v in (vs if isinstance(vs, list) else [vs]))],
    )  # fmt: skip
    body = await r.text()
    assert r.status == 200
    assert "Confirm the decision" in body
    key = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")
    assert (await console.center.repository.get_one(key)).state is ListingState.REVIEW  # nothing written yet
    confirm = [("csrf_token", console.csrf), ("confirmed", "yes"), ("action", "block"), ("category", ""),
               ("reason", "same kit"), ("item", "domain:kaspi-bonus.kz"), ("item", "domain:kaspi-gift.kz")]  # fmt: skip
    r = await console.client.post("/console/queue/bulk/confirm", data=confirm)
    assert r.status == 200
    assert "2 indicators decided" in await r.text()
    assert (await console.center.repository.get_one(key)).state is ListingState.LISTED
    queue = await (await console.get("/console/queue")).text()
    assert queue.count('name="item"') == 1
    # without the confirmation, nothing is decided
    r = await console.client.post("/console/queue/bulk/confirm", data=[*confirm[:1], *confirm[2:]])
    assert r.status == 400
    # a forged item is refused with a reason
    r = await console.client.post("/console/queue/bulk", data=[*confirm[:1], ("action", "block"), ("reason", "x"),
                                                                ("item", "planet:earth")])  # fmt: skip
    assert r.status == 400


async def test_the_queue_is_paginated_and_filtered(console):
    for i in range(60):
        await report(console, f"kaspi-bonus-{i:02d}.kz", operator="Halyk" if i % 2 else "Kaspi")
    await console.analyst("aigerim")
    first = await (await console.get("/console/queue")).text()
    assert first.count('name="item"') == 50
    assert "Page 1 of 2" in first
    second = await (await console.get("/console/queue?page=2")).text()
    assert second.count('name="item"') == 10
    halyk = await (await console.get("/console/queue?source=Halyk")).text()
    assert halyk.count('name="item"') == 30
    prefix = await (await console.get("/console/queue?q=kaspi-bonus-5")).text()
    assert prefix.count('name="item"') == 10
    for bad in ("?type=planet", "?category=x", "?page=0", "?page=abc", "?page=" + "9" * 30):
        assert (await console.get(f"/console/queue{bad}")).status == 400


async def test_a_held_publication_shows_its_diff_and_is_released_by_an_analyst(aiohttp_client, tmp_path, suffixes):
    guard = PublicationSettings(
        debounce_seconds=0.05, max_delay_seconds=0.1, fsync=False, max_change_share=0.25, guard_min_entries=3
    )
    async with console_app(aiohttp_client, tmp_path, suffixes, publication=guard) as console:
        await console.analyst("aigerim")
        values = [f"scam-shop-{i}.kz" for i in range(5)]
        outcome = await console.center.decisions.decide_many(
            "analyst:import", IndicatorType.DOMAIN, values, Action.BLOCK, "imported list"
        )
        assert outcome.decided == 5
        assert (await console.publishing.planner.plan()).status == "held"
        dashboard = await (await console.get("/console/")).text()
        assert "A publication is held" in dashboard
        page = await (await console.get("/console/publication")).text()
        assert "5 added, 0 updated, 0 removed" in page
        for value in values:
            assert value in page
        r = await console.post("/console/publication/release", {})
        assert r.status == 400  # not confirmed
        r = await console.post("/console/publication/release", {"confirmed": "yes"})
        assert r.status == 303
        assert console.publishing.planner.held is None
        await console.publishing.materializer.catch_up()
        published = await console.published()
        assert all(v in published for v in values)
        last = await console.center.store.last_publication()
        assert "analyst:aigerim" in last.reason
        assert "No publication is held" in await (await console.get("/console/publication")).text()


async def test_allowlist_add_and_remove_are_audited(console):
    await console.analyst("aigerim")
    r = await console.post(
        "/console/allowlist/add", {"type": "domain", "value": "Halyk-Partner.kz", "reason": "partner"}
    )
    assert r.status == 303
    page = await (await console.get("/console/allowlist")).text()
    assert "halyk-partner.kz" in page
    r = await console.post("/console/allowlist/remove", {"type": "domain", "value": "halyk-partner.kz", "reason": ""})
    assert r.status == 400
    r = await console.post(
        "/console/allowlist/remove", {"type": "domain", "value": "halyk-partner.kz", "reason": "contract ended"}
    )
    assert r.status == 303
    r = await console.post(
        "/console/allowlist/remove", {"type": "domain", "value": "halyk-partner.kz", "reason": "again"}
    )
    assert r.status == 404
    history = await console.center.store.audit_for(IndicatorKey(IndicatorType.DOMAIN, "halyk-partner.kz"))
    assert {("analyst:aigerim", "allow"), ("analyst:aigerim", "allow_remove")} <= {(a.actor, a.action) for a in history}


async def test_disputes_are_listed_until_a_decision_closes_them(console):
    await report(console, "kaspi-bonus.kz")
    op = await console.center.store.ensure_operator("Beeline")
    await console.center.feedback.dispute(op, IndicatorType.DOMAIN, "kaspi-bonus.kz", "our customer's shop", None)
    await console.analyst("aigerim")
    page = await (await console.get("/console/disputes")).text()
    assert "our customer&#39;s shop" in page
    assert "Beeline" in page
    await console.post("/console/i/domain/kaspi-bonus.kz/decide", {"action": "unlist", "reason": "checked: legit"})
    assert "No open disputes." in await (await console.get("/console/disputes")).text()


async def test_search_by_value_prefix_and_brand(console):
    await report(console, "https://login.kaspi-bonus.kz/auth")
    await report(console, "+7 701 123 45 67", category=Category.SPOOFED_CALL, kind=IndicatorType.PHONE)
    await console.analyst("aigerim")
    by_value = await (await console.get("/console/search?by=value&q=https://x.kaspi-bonus.kz/a")).text()
    assert "/console/i/domain/kaspi-bonus.kz" in by_value
    by_phone = await (await console.get("/console/search?by=value&q=%2B7+701+123+45+67")).text()
    assert "/console/i/phone/%2B77011234567" in by_phone
    by_prefix = await (await console.get("/console/search?by=prefix&q=KASPI")).text()
    assert "kaspi-bonus.kz" in by_prefix
    by_brand = await (await console.get("/console/search?by=brand&q=Kaspi Bank")).text()
    assert "kaspi-bonus.kz" in by_brand
    nothing = await (await console.get("/console/search?by=value&q=%00%ff<>")).text()
    assert "Nothing found." in nothing
    assert (await console.get("/console/search?by=regex&q=x")).status == 400


async def test_logout_ends_the_session_everywhere(console):
    await console.analyst("aigerim")
    cookie = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/console/"))["af_session"]
    assert (await console.post("/console/logout", {})).status == 303
    r = await console.client.get(
        "/console/queue", headers={"Cookie": f"af_session={cookie.value}"}, allow_redirects=False
    )
    assert r.status == 303  # the old cookie, replayed, opens nothing


async def test_session_cookies_are_secure_behind_a_trusted_tls_proxy_only(aiohttp_client, tmp_path, suffixes):
    async with console_app(
        aiohttp_client, tmp_path, suffixes, console=ConsoleSettings(trusted_proxies="127.0.0.0/8")
    ) as console:
        r = await console.get("/console/login", headers={"X-Forwarded-Proto": "https"})
        assert r.cookies["af_login_csrf"]["secure"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    async with console_app(
        aiohttp_client, tmp_path / "other", suffixes, console=ConsoleSettings(trusted_proxies="10.0.0.0/8")
    ) as console:
        r = await console.get("/console/login", headers={"X-Forwarded-Proto": "https"})
        assert not r.cookies["af_login_csrf"]["secure"]  # anyone can send the header: not believed
    async with console_app(
        aiohttp_client, tmp_path / "third", suffixes, console=replace(ConsoleSettings(), secure_cookies="always")
    ) as console:
        r = await console.get("/console/login")
        assert r.cookies["af_login_csrf"]["secure"]  # TLS is terminated somewhere we are not told of


async def test_the_session_cookie_is_httponly_strict_and_scoped_to_the_console(console):
    password = await console.add_user("aigerim")
    page = await console.get("/console/login")
    r = await console.post(
        "/console/login",
        {"csrf_token": csrf_of(await page.text()), "username": "aigerim", "password": password},
        csrf=False,
    )
    session = r.cookies["af_session"]
    assert session["httponly"]
    assert session["samesite"] == "Strict"
    assert session["path"] == "/console/"
    assert not session["max-age"]  # a browser session; the server ends it after idleness or 12 hours


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/v1/reports", "/console\\..\\x"])
async def test_after_login_the_console_never_sends_you_elsewhere(console, target):
    password = await console.add_user("aigerim")
    await console.login("aigerim", password)
    await console.post("/console/logout", {})
    page = await console.get("/console/login")
    r = await console.post(
        "/console/login",
        {"csrf_token": csrf_of(await page.text()), "username": "aigerim", "password": NEW_PASSWORD, "next": target},
        csrf=False,
    )
    assert r.status == 303
    assert r.headers["Location"] == "/console/"
