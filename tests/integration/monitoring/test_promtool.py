"""promtool accepts our rules and our scrape configuration, and every alert passes its unit tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from monitoring_exprs import ROOT, RULES, rules
from peers import require_binary

RULE_TESTS = Path(__file__).with_name("antifraud.rules.test.yml")
SCRAPE_CONFIG = ROOT / "config" / "prometheus" / "prometheus.yml"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    promtool = require_binary("promtool", "prometheus")
    return subprocess.run([promtool, *args], capture_output=True, text=True, check=False, cwd=cwd)


def test_promtool_check_rules():
    result = run("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


def test_promtool_check_config(tmp_path):
    # the example points at the key file's production path: check it with a key file that exists
    key = tmp_path / "antifraud.key"
    key.write_text("af_x_y\n")
    shutil.copytree(RULES.parent, tmp_path / "rules")
    config = SCRAPE_CONFIG.read_text()
    assert "/etc/prometheus/antifraud.key" in config
    (tmp_path / "prometheus.yml").write_text(config.replace("/etc/prometheus/antifraud.key", str(key)))
    result = run("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


def test_the_scrape_example_authenticates_and_loads_our_rules():
    config = yaml.safe_load(SCRAPE_CONFIG.read_text())
    assert config["rule_files"] == ["rules/antifraud.rules.yml"]
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "antifraud"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    assert job["authorization"]["credentials_file"]


def test_promtool_rule_unit_tests():
    result = run("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_rule_unit_tests_can_fail(tmp_path):
    # the unit tests compare values and rendered annotations: a wrong expectation must be reported
    broken = RULE_TESTS.read_text().replace("value: 117", "value: 118")
    assert broken != RULE_TESTS.read_text()
    (tmp_path / "broken.test.yml").write_text(broken.replace("../../../config/prometheus/rules/", f"{RULES.parent}/"))
    result = run("test", "rules", "broken.test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "antifraud:time_to_publish_seconds:p95" in result.stdout + result.stderr


def test_every_alert_has_a_unit_test():
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")  # a test where it fires, not only one where it stays silent
    }
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    assert alerts
    assert alerts - tested == set()
