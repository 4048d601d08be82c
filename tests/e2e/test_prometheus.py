"""End to end: a real Prometheus scrapes a running center; what operators do shows up in its queries,
and every expression of our dashboard and rules is valid PromQL that Prometheus evaluates."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.parse
import urllib.request

import aiohttp
import pytest
from harness import Center, free_port, wait_until
from monitoring_exprs import RULES, dashboard_exprs, rule_exprs, rules
from peers import require_binary

pytestmark = pytest.mark.e2e

# Panels that may rightly be empty in this scenario: the crawler and the job runner have nothing to do,
# and no request fails. Every other panel is core: it must show data after a few reports and pulls.
MAY_BE_EMPTY = {"Crawler fetches by outcome", "Background jobs by kind and state", "API errors by status"}


def prom_query(base: str, expr: str) -> dict:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())
    except OSError as e:  # not listening yet
        return {"status": "unreachable", "error": str(e)}


def value_of(base: str, expr: str) -> float | None:
    answer = prom_query(base, expr)
    if answer.get("status") != "success":
        return None
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def prom_rules(base: str) -> list[dict]:
    with urllib.request.urlopen(f"{base}/api/v1/rules", timeout=10) as r:  # noqa: S310 - loopback
        return [rule for group in json.loads(r.read())["data"]["groups"] for rule in group["rules"]]


def install_rules(workdir) -> None:
    """Our rule file, evaluated every second instead of every 30 s so the test need not wait."""
    (workdir / "rules").mkdir()
    rules = RULES.read_text()
    assert "interval: 30s" in rules
    (workdir / "rules" / RULES.name).write_text(rules.replace("interval: 30s", "interval: 1s"))


def test_prometheus_sees_reports_decisions_pulls_and_blocked_hits(tmp_path):
    prometheus = require_binary("prometheus", "prometheus")
    with Center(tmp_path / "center") as center:
        metrics_key = center.create_key("prometheus", "metrics")
        reporter = center.create_key("Halyk Bank", "report")
        analyst = center.create_key("AFC analysts", "analyst")
        isp = center.create_key("Kazakhtelecom", "pull")

        workdir = tmp_path / "prometheus"
        workdir.mkdir()
        (workdir / "antifraud.key").write_text(metrics_key)
        install_rules(workdir)
        (workdir / "prometheus.yml").write_text(
            f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - rules/antifraud.rules.yml
scrape_configs:
  - job_name: antifraud
    authorization:
      type: Bearer
      credentials_file: {workdir / "antifraud.key"}
    static_configs:
      - targets: ["127.0.0.1:{center.port}"]
"""
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [
                prometheus,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until(lambda: value_of(base, 'up{job="antifraud"}') == 1.0, 60, "Prometheus to scrape the center")

            reports = {
                "reports": [
                    {"type": "domain", "value": "kaspi-bonus.kz", "category": "bank_impersonation"},
                    {"type": "url", "value": "https://halyk-invest.com/x", "category": "investment_scam"},
                    {"type": "phone", "value": "+7 701 234 56 78", "category": "spoofed_call"},
                    {"type": "domain", "value": "not a domain", "category": "phishing"},
                ]
            }
            assert center.post("/v1/reports", reporter, reports).status == 202
            decision = {
                "type": "domain",
                "value": "pyramid-kz.com",
                "action": "block",
                "reason": "pyramid",
                "category": "pyramid",
            }
            r = center.post("/v1/decisions", analyst, decision)
            assert r.status == 200, r.body
            wait_until(
                lambda: "pyramid-kz.com" in center.get("/v1/blocklists/domains.txt", isp).body,
                10,
                "the decided domain to be published",
            )
            assert center.get("/v1/blocklists/domains.rpz", isp).status == 200
            assert center.get("/v1/blocklists/phones.csv", isp).status == 200
            hits = {
                "list": "domains",
                "interval_start": "2026-11-22T10:00:00Z",
                "interval_end": "2026-11-22T11:00:00Z",
                "total": 1500,
                "entries": [{"value": "pyramid-kz.com", "hits": 1200}],
            }
            assert center.post("/v1/hits", isp, hits).status == 202
            assert center.post("/v1/hits", isp, hits).status == 202  # resent: replaces, never doubles

            def counted() -> bool:
                return value_of(base, 'sum(antifraud_blocked_hits_total{category="pyramid"})') == 1200.0

            wait_until(counted, 30, "the blocked hits to reach Prometheus")
            assert value_of(base, 'sum(antifraud_reports_total{category="bank_impersonation"})') == 1.0
            assert value_of(base, "sum(antifraud_report_rejections_total)") == 1.0
            assert value_of(base, 'sum(antifraud_decisions_total{origin="analyst",verdict="block"})') == 1.0
            assert value_of(base, 'sum(antifraud_blocked_hits_total{category="unattributed"})') == 300.0
            assert value_of(base, 'sum(antifraud_operator_blocked_hits_total{operator="Kazakhtelecom"})') == 1500.0
            assert value_of(base, 'sum(antifraud_blocklist_pulls_total{list="domains.rpz"})') == 1.0
            assert (value_of(base, 'sum(antifraud_blocklist_pulls_total{list="domains.txt"})') or 0) >= 1
            assert value_of(base, 'sum(antifraud_blocklist_pulls_total{list="phones.csv"})') == 1.0
            last_pull = 'max(antifraud_operator_last_pull_timestamp_seconds{operator="Kazakhtelecom"})'
            assert (value_of(base, last_pull) or 0) > 0
            wait_until(
                lambda: (value_of(base, 'sum(antifraud_listed_entries{list="domains"})') or 0) >= 1,
                20,
                "the listed-entries gauge",
            )
            # the lookalike of Kaspi with a lure word is listed by the policy itself: both origins are counted
            wait_until(
                lambda: (value_of(base, 'sum(antifraud_decisions_total{origin="auto"})') or 0) >= 1,
                10,
                "an automatic decision",
            )
            assert (value_of(base, "antifraud_time_to_publish_seconds_count") or 0) >= 1
            assert (value_of(base, 'max(antifraud_blocklist_version{list="domains"})') or 0) >= 1

            panel_titles = {title for title, _ in dashboard_exprs()}
            assert panel_titles >= MAY_BE_EMPTY
            core_panels = panel_titles - MAY_BE_EMPTY
            failures: list[str] = []
            empty: list[str] = []

            def evaluate() -> bool:
                failures.clear()
                empty.clear()
                with_data: set[str] = set()
                for title, expr in [*dashboard_exprs(), *rule_exprs()]:
                    answer = prom_query(base, expr)
                    if answer.get("status") != "success":
                        failures.append(f"{title}: {answer.get('error')}")
                    elif answer["data"]["result"]:
                        with_data.add(title)
                # a panel has data when any of its targets has (held publications: the gauge, not new holds)
                empty.extend(sorted(core_panels - with_data))
                return not failures and not empty

            # rates need two samples of a series inside their window: give the scrapes a few seconds
            try:
                wait_until(evaluate, 30, "every expression to evaluate and the core panels to have data", 0.5)
            finally:
                assert failures == []
                assert empty == []

            # Prometheus itself evaluates every rule of the file without error, and a healthy center that
            # publishes what it lists raises no alert, not even a pending one
            loaded = prom_rules(base)
            assert sorted(r["name"] for r in loaded) == sorted(r.get("record") or r["alert"] for r in rules())
            wait_until(lambda: all(r["health"] == "ok" for r in prom_rules(base)), 10, "every rule to be evaluated")
            assert [r.get("lastError") for r in prom_rules(base) if r.get("lastError")] == []
            alerts = prom_query(base, "ALERTS")
            assert alerts["status"] == "success"
            assert [a["metric"] for a in alerts["data"]["result"]] == []
        finally:
            proc.terminate()
            output, _ = proc.communicate(timeout=20)
        assert "Server is ready to receive web requests" in output, output
        assert center.stop() == 0, "antifraud serve must shut down cleanly on SIGTERM"


def sample(exposition: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format (labels compared as a subset)."""
    for line in exposition.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        series, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in series for k, v in labels.items()):
            return float(value)
    return None


async def test_metrics_need_the_metrics_scope_and_blocked_hits_survive_a_restart(tmp_path):
    # the asynchronous form of the harness: start, restart and stop run in a thread, requests use aiohttp
    async with Center(tmp_path / "center") as center, aiohttp.ClientSession(center.url) as http:
        metrics_key = await asyncio.to_thread(center.create_key, "prometheus", "metrics")
        reporter = await asyncio.to_thread(center.create_key, "Halyk Bank", "report")
        isp = await asyncio.to_thread(center.create_key, "Beeline KZ", "pull")

        def bearer(key: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {key}"}

        async def scrape() -> str:
            async with http.get("/metrics", headers=bearer(metrics_key)) as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("text/plain")
                return await r.text()

        async def send_hits(total: int) -> None:
            body = {
                "list": "phones",
                "interval_start": "2026-11-22T10:00:00Z",
                "interval_end": "2026-11-22T10:15:00Z",
                "total": total,
            }
            async with http.post("/v1/hits", json=body, headers=bearer(isp)) as r:
                assert r.status == 202, await r.text()

        async with http.get("/metrics") as r:
            assert r.status == 401
        async with http.get("/metrics", headers=bearer(reporter)) as r:
            assert r.status == 403
            assert (await r.json())["error"]["code"]
        assert "_created" not in await scrape()  # created-series are disabled: they double every counter

        await send_hits(40)
        before = await scrape()
        assert sample(before, "antifraud_blocked_hits_total", list="phones", category="unattributed") == 40.0
        assert sample(before, "antifraud_operator_blocked_hits_total", list="phones", operator="Beeline KZ") == 40.0

        await asyncio.to_thread(center.restart)
        after = await scrape()
        assert sample(after, "antifraud_blocked_hits_total", list="phones", category="unattributed") == 40.0
        assert sample(after, "antifraud_operator_blocked_hits_total", list="phones", operator="Beeline KZ") == 40.0
        # the same interval resent after the restart still replaces, never doubles
        await send_hits(50)
        again = await scrape()
        assert sample(again, "antifraud_blocked_hits_total", list="phones", category="unattributed") == 50.0
    assert center.returncode == 0, "antifraud serve must shut down cleanly on SIGTERM"
