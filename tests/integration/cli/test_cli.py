"""The command line as operators use it: separate processes sharing one database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(tmp_path):
    return {
        **os.environ,
        "ANTIFRAUD_DB": str(tmp_path / "cli.sqlite3"),
        "ANTIFRAUD_BLOCKLIST_DIR": str(tmp_path / "lists"),
        "ANTIFRAUD_LISTEN": "127.0.0.1:0",
    }


def run(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "antifraud", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_keys_create_prints_only_the_key(env, tmp_path):
    result = run(env, "keys", "create", "Halyk Bank", "--scopes", "report,check")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert result.stdout == key + "\n"
    assert key.startswith("af_")
    assert "shown only once" in result.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        (stored,) = conn.execute("SELECT secret_hash FROM api_keys").fetchone()
    assert key.split("_")[2] not in stored  # only a hash is kept
    listing = run(env, "keys", "list")
    assert "Halyk Bank" in listing.stdout
    assert key.split("_")[2] not in listing.stdout
    key_id = key.split("_")[1]
    assert run(env, "keys", "revoke", key_id).returncode == 0
    assert "revoked" in run(env, "keys", "list").stdout
    assert run(env, "keys", "revoke", key_id).returncode == 1


def test_bad_scopes_and_bad_settings_are_explained(env):
    result = run(env, "keys", "create", "x", "--scopes", "report,superuser")
    assert result.returncode == 1
    assert "unknown scopes: superuser" in result.stderr
    result = run({**env, "ANTIFRAUD_LISTEN": "nonsense"}, "keys", "list")
    assert result.returncode == 2
    assert "host:port" in result.stderr


def test_import_decide_check_publish(env, tmp_path):
    feed = tmp_path / "feed.txt"
    feed.write_text(
        "# from a partner bank\nkaspi-bonus.kz\nhttps://halyk-invest.com/login\nnot a domain!\n\nkaspi.kz\n"
    )
    result = run(env, "import", str(feed), "--type", "url", "--category", "phishing", "--source", "partner-bank")
    assert result.returncode == 0, result.stderr
    assert "imported 3 reports from partner-bank; 1 lines rejected" in result.stderr
    assert "line 4:" in result.stderr

    result = run(env, "decide", "weird-pay.kz", "--block", "--reason", "phishing kit", "--category", "phishing")
    assert result.returncode == 0, result.stderr
    assert "listed" in result.stderr
    refused = run(env, "decide", "kaspi.kz", "--block", "--reason", "test")
    assert refused.returncode == 1
    assert "Kaspi Bank" in refused.stderr

    answer = json.loads(run(env, "check", "sub.weird-pay.kz").stdout)
    assert answer["listed"] is True
    assert json.loads(run(env, "check", "kaspi.kz").stdout)["verdict"] == "allow"

    out = tmp_path / "published"
    result = run(env, "publish", "--out", str(out))
    assert result.returncode == 0, result.stderr
    listed = (out / "domains.txt").read_text()
    assert "weird-pay.kz" in listed
    assert "kaspi.kz\n" not in listed
    index = json.loads((out / "index.json").read_text())
    assert {entry["name"] for entry in index["lists"]} >= {"domains.rpz", "phones.csv"}
    sums = (out / "SHA256SUMS").read_text()
    check = subprocess.run(
        ["sha256sum", "-c", "--quiet", "-"], input=sums, cwd=out, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr

    assert run(env, "allow", "add", "weird-pay.kz", "--reason", "owner proved it is legitimate").returncode == 0
    assert json.loads(run(env, "check", "weird-pay.kz").stdout)["listed"] is False
    run(env, "publish", "--out", str(out))
    assert "weird-pay.kz" not in (out / "domains.txt").read_text()


def test_score_streams_the_contract_format(env):
    result = run(env, "score", "-", stdin="kaspi-bonus.kz\n\nkaspi.kz\n1.2.3.4\nweather.kz\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["value"] for line in lines] == ["kaspi-bonus.kz", "kaspi.kz", "1.2.3.4", "weather.kz"]
    for line in lines:
        assert {"value", "normalized", "verdict", "score", "signals"} <= set(line)
        assert line["verdict"] in {"block", "review", "none", "allow"}
        assert 0 <= line["score"] <= 100
    assert lines[0]["verdict"] == "block"
    assert lines[0]["signals"][0]["name"] == "combosquat"
    assert lines[1]["verdict"] == "allow"
    assert "IP address" in lines[2]["error"]
    assert result.returncode == 1  # some lines were invalid


def test_score_against_another_brands_file(env, tmp_path):
    brands = tmp_path / "brands.toml"
    brands.write_text('[[brand]]\nname = "PayPal"\ndomains = ["paypal.com"]\nkeywords = ["paypal"]\n')
    result = run(env, "score", "--brands", str(brands), "-", stdin="paypal-secure-login.com\nkaspi-bonus.kz\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["verdict"] == "block"
    assert second["verdict"] == "none"  # Kaspi is not in that brands file


def test_score_phones(env):
    result = run(env, "score", "--type", "phone", "-", stdin="+7 727 258 59 65\n+7 727 258 59 66\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["verdict"] == "allow"
    assert any(s["name"] == "near_official_number" for s in second["signals"])
