"""End to end: a real Prometheus scrapes a running center; what operators do shows up in its queries,
and every expression of our dashboard and rules is valid PromQL that Prometheus evaluates."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
from harness import Center, free_port
from monitoring_exprs import ROOT, dashboard_exprs, rule_exprs
from peers import require_binary

pytestmark = pytest.mark.e2e

CORE_PANELS = {
    "Listed entries by list and category",
    "Blocked hits by list and category",
    "Blocked hits by operator",
    "Reports by type and category",
    "Decisions: automatic vs analyst",
    "Pulls by list",
    "Listed domains",
    "Published version",
}


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


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


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
        shutil.copytree(ROOT / "config" / "prometheus" / "rules", workdir / "rules")
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
            assert center.post("/v1/decisions", analyst, decision).status == 200
            time.sleep(2)  # the publisher debounces
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
            wait_until(
                lambda: (value_of(base, 'sum(antifraud_listed_entries{list="domains"})') or 0) >= 1,
                20,
                "the listed-entries gauge",
            )
            assert (value_of(base, "antifraud_time_to_publish_seconds_count") or 0) >= 1

            failures: list[str] = []
            empty: list[str] = []

            def evaluate() -> bool:
                failures.clear()
                empty.clear()
                for title, expr in [*dashboard_exprs(), *rule_exprs()]:
                    answer = prom_query(base, expr)
                    if answer.get("status") != "success":
                        failures.append(f"{title}: {answer.get('error')}")
                    elif title in CORE_PANELS and not answer["data"]["result"]:
                        empty.append(title)
                return not failures and not empty

            # rates need two samples of a series inside their window: give the scrapes a few seconds
            try:
                wait_until(evaluate, 30, "every expression to evaluate and the core panels to have data")
            finally:
                assert failures == []
                assert empty == []
        finally:
            proc.terminate()
            output, _ = proc.communicate(timeout=20)
        assert "Server is ready to receive web requests" in output
