"""promtool accepts our rules and our scrape configuration."""

from __future__ import annotations

import shutil
import subprocess

from monitoring_exprs import ROOT, RULES
from peers import require_binary


def test_promtool_check_rules():
    promtool = require_binary("promtool", "prometheus")
    result = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_config(tmp_path):
    promtool = require_binary("promtool", "prometheus")
    key = tmp_path / "antifraud.key"
    key.write_text("af_x_y\n")
    shutil.copytree(ROOT / "config" / "prometheus" / "rules", tmp_path / "rules")
    config = (ROOT / "config" / "prometheus" / "prometheus.yml").read_text()
    (tmp_path / "prometheus.yml").write_text(config.replace("/etc/prometheus/antifraud.key", str(key)))
    result = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
