"""The console against an attacker: forms posted without their CSRF token, with another session's,
or from another origin are refused and change nothing; every reported value, comment, crawled page
title, evidence string and query parameter is shown as text."""

from __future__ import annotations

import pytest
from console_client import Console, csrf_of
from markupsafe import escape

from antifraud.console.ports import Role
from antifraud.domain.model import Category, IndicatorKey, IndicatorType, ListingState, Signal
from antifraud.services.intake import ReportInput

SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
KEY = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")


async def reported(console, comment=None, operator="Halyk"):
    op = await console.center.store.ensure_operator(operator)
    await console.center.intake.submit(
        op, [ReportInput(IndicatorType.URL, "https://kaspi-bonus.kz/login", Category.PHISHING, comment=comment)]
    )


async def state(console):
    return (await console.center.repository.get_one(KEY)).state


@pytest.mark.parametrize(
    "token",
    [None, "", "forged-token", "абв"],
    ids=["missing", "empty", "forged", "non-ascii"],
)
async def test_a_decision_posted_without_its_csrf_token_is_refused(console, token):
    await reported(console)
    await console.analyst("aigerim")
    form = {"action": "block", "reason": "phishing"}
    if token is not None:
        form["csrf_token"] = token
    r = await console.post("/console/i/domain/kaspi-bonus.kz/decide", form, csrf=False)
    assert r.status == 403
    assert "this form was refused" in await r.text()
    assert await state(console) is ListingState.REVIEW


async def test_another_sessions_token_is_refused(console, aiohttp_client):
    await reported(console)
    await console.analyst("aigerim")
    mine = console.csrf
    other = Console(await aiohttp_client(console.client.server.app), console.center, None, console.services)
    await other.login("bolat", await console.add_user("bolat"))  # a second browser, another analyst
    r = await other.client.post(
        "/console/i/domain/kaspi-bonus.kz/decide", data={"csrf_token": mine, "action": "block", "reason": "x"}
    )
    assert r.status == 403
    assert await state(console) is ListingState.REVIEW


async def test_a_form_from_another_origin_is_refused_even_with_the_token(console):
    await reported(console)
    await console.analyst("aigerim")
    r = await console.post(
        "/console/i/domain/kaspi-bonus.kz/decide",
        {"action": "block", "reason": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status == 403
    assert await state(console) is ListingState.REVIEW
    r = await console.post(
        "/console/i/domain/kaspi-bonus.kz/decide",
        {"action": "block", "reason": "x"},
        headers={"Origin": str(console.client.make_url("")).rstrip("/")},
    )
    assert r.status == 303  # the console's own origin


async def test_the_login_form_needs_its_token_and_cookie(console):
    password = await console.add_user("aigerim")
    r = await console.post("/console/login", {"username": "aigerim", "password": password}, csrf=False)
    assert r.status == 403
    page = await console.get("/console/login")
    token = csrf_of(await page.text())
    console.client.session.cookie_jar.clear()  # a token without the cookie it was set with
    r = await console.post(
        "/console/login", {"csrf_token": token, "username": "aigerim", "password": password}, csrf=False
    )
    assert r.status == 403
    assert "af_session" not in r.cookies


async def test_logout_and_user_creation_need_the_token_too(console):
    await console.analyst("root", Role.ADMIN)
    r = await console.post("/console/users", {"name": "mallory", "role": "admin"}, csrf=False)
    assert r.status == 403
    assert await console.services.store.get_user("mallory") is None
    r = await console.post("/console/logout", {}, csrf=False)
    assert r.status == 403
    assert (await console.get("/console/queue")).status == 200  # still logged in


async def test_no_state_changes_on_get(console):
    await reported(console)
    await console.analyst("aigerim")
    for path in (
        "/console/i/domain/kaspi-bonus.kz/decide?action=block&reason=x",
        "/console/logout",
        "/console/publication/release?confirmed=yes",
        "/console/allowlist/add?type=domain&value=x.kz&reason=x",
    ):
        assert (await console.get(path)).status in {404, 405}
    assert await state(console) is ListingState.REVIEW


async def test_hostile_reported_data_renders_as_text(console):
    await reported(console, comment=f"call us {SCRIPT}", operator=f"Bank {IMG}")
    await console.center.evidence.record(
        IndicatorType.DOMAIN,
        "kaspi-bonus.kz",
        "crawl",
        [Signal("page_brand_named", 10, f"the page names Kaspi Bank{SCRIPT}")],
        facts={"title": f"Kaspi {IMG}</title><script>alert(2)</script>", "final_url": "javascript:alert(3)",
               "tls": {"subject": f"CN={SCRIPT}"}, f"<b>{SCRIPT}</b>": "a key chosen by the site"},
    )  # fmt: skip
    op = await console.center.store.ensure_operator("Beeline")
    await console.center.feedback.dispute(op, IndicatorType.DOMAIN, "kaspi-bonus.kz", f"legit {SCRIPT}", IMG)
    await console.analyst("aigerim")
    pages = [
        await (await console.get(path)).text()
        for path in ("/console/i/domain/kaspi-bonus.kz", "/console/queue", "/console/disputes")
    ]
    page = pages[0]
    for payload in (SCRIPT, IMG, "<script>alert(2)</script>", "<b>"):
        for body in pages:
            assert payload not in body
    assert escape(f"call us {SCRIPT}") in page  # shown, as text
    assert escape(f"Kaspi {IMG}</title><script>alert(2)</script>") in page
    assert 'href="javascript:' not in page  # an evidence URL is text, never a link
    assert escape(f"legit {SCRIPT}") in pages[2]
    assert escape(f"Bank {IMG}") in page


async def test_an_idn_is_shown_in_its_unicode_form_and_its_ascii_form_as_text(console):
    op = await console.center.store.ensure_operator("Halyk")
    await console.center.intake.submit(op, [ReportInput(IndicatorType.DOMAIN, "каспи-бонус.kz", Category.PHISHING)])
    await console.analyst("aigerim")
    queue = await (await console.get("/console/queue")).text()
    assert "каспи-бонус.kz" in queue
    assert "xn--" in queue  # the ASCII form beside it: a lookalike cannot hide behind its display
    found = await (await console.get("/console/search?by=value&q=каспи-бонус.kz")).text()
    assert "каспи-бонус.kz" in found


@pytest.mark.parametrize(
    "path",
    [
        f"/console/search?by=value&q={SCRIPT}",
        f"/console/queue?q={SCRIPT}",
        f"/console/i/domain/{SCRIPT}",
        f"/console/i/domain/kaspi-bonus.kz?done={SCRIPT}",
        f"/console/publication?released={SCRIPT}",
        f"/console/login?next={SCRIPT}",
    ],
)
async def test_query_parameters_are_never_reflected_raw(console, path):
    await reported(console)
    await console.analyst("aigerim")
    body = await (await console.get(path)).text()
    assert "<script>alert" not in body
