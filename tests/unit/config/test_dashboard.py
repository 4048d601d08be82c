"""The Grafana dashboard and the Prometheus rules only name metrics that exist; datasources agree."""

from __future__ import annotations

import yaml
from monitoring_exprs import ROOT, dashboard, dashboard_exprs, metric_names, rule_exprs, rules
from prometheus_client import CollectorRegistry

from antifraud.metrics import Metrics

SAMPLE_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


def exported_names() -> set[str]:
    """The series names Prometheus stores for antifraud.metrics (counters gain _total, histograms _bucket...)."""
    registry = CollectorRegistry()
    Metrics(registry)
    return {family.name + suffix for family in registry.collect() for suffix in SAMPLE_SUFFIXES[family.type]}


def test_exported_names_follow_the_exposition_format():
    names = exported_names()
    assert "antifraud_reports_total" in names
    assert "antifraud_reports" not in names
    assert "antifraud_listed_entries" in names
    assert "antifraud_listed_entries_total" not in names
    assert "antifraud_time_to_publish_seconds_bucket" in names


def test_every_panel_has_targets_and_the_provisioned_datasource():
    provisioned = yaml.safe_load((ROOT / "config/grafana/provisioning/datasources/antifraud.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    board = dashboard()
    assert board["uid"] == "antifraud-overview"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        assert panel["datasource"]["uid"] == uid
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid
            assert target["expr"].strip()


def test_the_dashboard_covers_what_operators_watch():
    titles = " | ".join(p["title"] for p in dashboard()["panels"]).lower()
    for topic in (
        "listed entries",
        "blocked hits by list",
        "blocked hits by operator",
        "reports by type",
        "automatic vs analyst",
        "time to publish",
        "pulls by list",
        "api latency",
        "api errors",
        "review queue",
        "held",
    ):
        assert topic in titles, topic


def test_every_metric_named_exists():
    known = exported_names() | {r["record"] for r in rules() if "record" in r} | {"up"}
    for title, expr in [*dashboard_exprs(), *rule_exprs()]:
        unknown = metric_names(expr) - known
        assert not unknown, f"{title}: {unknown}"


def test_panels_do_not_overlap_and_fit_the_grid():
    occupied: dict[tuple[int, int], str] = {}
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in occupied, f"{panel['title']} overlaps {occupied[(x, y)]}"
                occupied[(x, y)] = panel["title"]


def test_the_dashboard_reads_the_recording_rules():
    # the rules exist for the dashboard: an unused recording rule is dead weight, a missing one an empty panel
    used = set().union(*(metric_names(expr) for _, expr in dashboard_exprs()))
    recorded = {r["record"] for r in rules() if "record" in r}
    alerting = set().union(*(metric_names(r["expr"]) for r in rules() if "alert" in r))
    assert recorded - used - alerting == set()


def test_the_datasource_is_a_prometheus_with_a_fixed_uid():
    provisioned = yaml.safe_load((ROOT / "config/grafana/provisioning/datasources/antifraud.yml").read_text())
    (source,) = provisioned["datasources"]
    assert source["type"] == "prometheus"
    assert source["uid"] == "antifraud-prometheus"
    assert source["url"].startswith("http")


def test_the_file_provider_points_at_a_folder():
    provider = yaml.safe_load((ROOT / "config/grafana/provisioning/dashboards/antifraud.yml").read_text())
    assert provider["providers"][0]["type"] == "file"
    assert provider["providers"][0]["options"]["path"]


def test_alerts_explain_themselves():
    for rule in rules():
        if "alert" in rule:
            assert rule.get("for"), rule["alert"]
            assert rule["annotations"]["summary"]
            assert rule["annotations"]["description"]
