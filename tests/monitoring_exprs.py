"""The PromQL of our dashboard and rules, shared by the structure test and the real-Prometheus test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "config" / "grafana" / "dashboards" / "antifraud-overview.json"
RULES = ROOT / "config" / "prometheus" / "rules" / "antifraud.rules.yml"
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "15s"}
METRIC = re.compile(r"\b(antifraud_[a-z_]+|antifraud:[a-z_0-9:]+)\b")


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    """(panel title, PromQL with Grafana's variables replaced by fixed ranges)."""
    found = []
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            found.append((panel["title"], expr))
    return found


def rule_exprs() -> list[tuple[str, str]]:
    return [(rule.get("record") or rule["alert"], rule["expr"]) for rule in rules()]


def metric_names(expr: str) -> set[str]:
    return set(METRIC.findall(expr))
