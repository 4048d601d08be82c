"""The Grafana dashboard and the Prometheus rules only name metrics that exist; datasources agree."""

from __future__ import annotations

import yaml
from monitoring_exprs import ROOT, dashboard, dashboard_exprs, metric_names, rule_exprs, rules
from prometheus_client import CollectorRegistry

from antifraud.metrics import Metrics


def exported_names() -> set[str]:
    registry = CollectorRegistry()
    Metrics(registry)
    names = set()
    for family in registry.collect():
        names.add(family.name)
        names.update({f"{family.name}_total", f"{family.name}_bucket", f"{family.name}_count", f"{family.name}_sum"})
    return names


def test_every_panel_has_targets_and_the_provisioned_datasource():
    provisioned = yaml.safe_load((ROOT / "config/grafana/provisioning/datasources/antifraud.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    board = dashboard()
    assert board["uid"] == "antifraud-overview"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["targets"], panel["title"]
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
    ):
        assert topic in titles, topic


def test_every_metric_named_exists():
    known = exported_names() | {r["record"] for r in rules() if "record" in r} | {"up"}
    for title, expr in [*dashboard_exprs(), *rule_exprs()]:
        unknown = metric_names(expr) - known
        assert not unknown, f"{title}: {unknown}"


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
