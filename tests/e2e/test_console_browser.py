"""The analysts' console in a real browser: `antifraud serve` as a subprocess (its crawler and DNS
probes pointed at a fake nameserver and a hostile site on loopback), an account from
`antifraud users add`, and Debian's Chromium driven by Playwright.

One analyst's morning: log in (changing the one-time password), find the reported lookalike in the
queue, read its evidence, block it and see it in the published list; on the way, a script in a
report's comment and in the crawled page's title shows as text and runs nowhere, and a form posted
without its CSRF token is refused. With ANTIFRAUD_SCREENSHOTS=DIR the main pages are saved there
(docs/console/ holds the ones in the README).
"""

from __future__ import annotations

import html
import os
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser import Watch, chromium
from harness import Center, wait_until
from nameserver import FakeZone, Nameserver

pytestmark = pytest.mark.e2e

TITLE = "Shop <img src=x onerror=alert('title')>"
COMMENT = "SMS to clients <script>alert('comment')</script>"
# the title as a site writes it: entities, which the crawler decodes into the markup they spell
HOSTILE_PAGE = f"""<!doctype html><html><head><title>{html.escape(TITLE, quote=False)}</title></head><body>
<h1>Shop</h1><p>Prices</p><script>alert('page')</script></body></html>"""
NEW_PASSWORD = "steppe-eagle-2026"


class HostileSite(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = HOSTILE_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def hostile_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def nameserver():
    zone = FakeZone()
    zone.add("kaspi-shop.kz", "NS", "ns1.test.").add("kaspi-shop.kz", "A", "127.0.0.1")
    with Nameserver.in_thread(zone) as ns:
        yield ns


def shoot(page, name, folder):
    if folder is not None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_an_analyst_blocks_a_lookalike_in_the_browser(tmp_path, hostile_site, nameserver):
    shots = Path(os.environ["ANTIFRAUD_SCREENSHOTS"]) if os.environ.get("ANTIFRAUD_SCREENSHOTS") else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    env = {"ANTIFRAUD_NAMESERVERS": nameserver.address, "ANTIFRAUD_CRAWL_ALLOW_NETWORKS": "127.0.0.0/8"}
    with Center(tmp_path / "center", extra_env=env) as center, chromium() as browser:
        added = center.cli("users", "add", "aigerim", "--role", "analyst")
        assert added.returncode == 0, added.stderr
        password = added.stdout.strip()
        assert added.stdout == password + "\n"  # the one-time password, alone on stdout
        assert len(password) >= 16
        reporter = center.create_key("Halyk Bank", "report")
        analyst_key = center.create_key("AFC analysts", "analyst")
        isp = center.create_key("Kazakhtelecom DNS", "pull")
        url = f"http://kaspi-shop.kz:{hostile_site}/login"
        r = center.post(
            "/v1/reports", reporter, {"type": "url", "value": url, "category": "phishing", "comment": COMMENT}
        )
        assert r.status == 202, r.body

        def crawled() -> bool:
            file = center.get("/v1/indicators/domain/kaspi-shop.kz", analyst_key).json()
            return "crawl" in file.get("evidence", {}) and "dns" in file["evidence"]

        wait_until(crawled, 30, "the crawler and the DNS probe to report on the site")

        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        watch = Watch()
        watch.attach(page)
        base = center.url

        # log in: the one-time password leads to the password change first
        page.goto(f"{base}/console/")
        assert page.url.startswith(f"{base}/console/login")
        shoot(page, "login", shots)
        page.fill("input[name=username]", "aigerim")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/console/password")
        page.fill("input[name=current_password]", password)
        page.fill("input[name=new_password]", NEW_PASSWORD)
        page.fill("input[name=repeat_password]", NEW_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/console/?changed=1")
        assert page.locator("h1").inner_text() == "Dashboard"
        shoot(page, "dashboard", shots)

        # find the reported lookalike in the queue
        page.click("nav >> text=Review queue")
        page.wait_for_url(f"{base}/console/queue")
        row = page.locator("table.queue tbody tr", has_text="kaspi-shop.kz")
        assert row.count() == 1
        shoot(page, "queue", shots)
        row.locator("a.value").click()
        page.wait_for_url(f"{base}/console/i/domain/kaspi-shop.kz")

        # read its evidence: the crawled title and the comment are text, nothing of them runs
        evidence = page.locator("#evidence").inner_text()
        assert TITLE in evidence
        assert "127.0.0.1" in evidence  # where the name resolved (DNS facts)
        assert COMMENT in page.locator("#reports").inner_text()
        assert page.locator("main img").count() == 0
        assert page.locator("main script").count() == 0
        shoot(page, "indicator", shots)

        # a form posted without its CSRF token is refused, and nothing changes
        refused = page.request.post(
            f"{base}/console/i/domain/kaspi-shop.kz/decide",
            form={"action": "block", "reason": "no token"},
            headers={"Origin": base},
        )
        assert refused.status == 403
        assert "listed" not in center.get("/v1/indicators/domain/kaspi-shop.kz", analyst_key).json()["state"]

        # block it, with category and reason
        page.check("input[name=action][value=block]")
        page.select_option("select[name=category]", "bank_impersonation")
        page.fill("input[name=reason]", "clone of the Kaspi login page")
        page.click("section.decide button[type=submit]")
        page.wait_for_url(f"{base}/console/i/domain/kaspi-shop.kz?done=block")
        assert "Decision recorded" in page.locator("main").inner_text()
        assert "analyst:aigerim" in page.locator("#history").inner_text()

        # ... and see it in the published list, through the pull API and on disk
        wait_until(
            lambda: "kaspi-shop.kz" in center.get("/v1/blocklists/domains.txt", isp).body.split(),
            15,
            "the decision to be published",
        )
        assert "kaspi-shop.kz" in (center.blocklist_dir / "domains.txt").read_text().split()
        page.reload()
        assert "still published" in page.locator("#published").inner_text()

        # the other pages, for the docs; each in Russian once
        for name, path in (("publication", "/console/publication"), ("search", "/console/search?by=prefix&q=kaspi")):
            page.goto(f"{base}{path}")
            shoot(page, name, shots)
        page.goto(f"{base}/console/queue?lang=ru")
        assert "Очередь проверки" in page.locator("h1").inner_text()
        shoot(page, "queue-ru", shots)
        page.goto(f"{base}/console/i/domain/kaspi-shop.kz?lang=en")

        # logging out ends the session
        page.click("header button[type=submit]")
        page.wait_for_url(f"{base}/console/login")
        page.goto(f"{base}/console/queue")
        assert page.url.startswith(f"{base}/console/login")

        assert watch.dialogs == []  # no script of the site, the report or the title ever ran
        assert watch.csp_violations == []  # and the console itself needs nothing the policy forbids
        assert watch.errors == []
        context.close()
    if not os.environ.get("ANTIFRAUD_SCREENSHOTS"):
        shutil.rmtree(shots, ignore_errors=True)


def test_time_is_short(tmp_path):
    """A guard for the scenario above: the browser starts and stops in seconds on this machine."""
    started = time.monotonic()
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<p>ok</p>")
        assert page.inner_text("p") == "ok"
    assert time.monotonic() - started < 30
