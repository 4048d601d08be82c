"""`antifraud cdr analyze` as operators run it: a file or stdin in, JSON findings out, bad rows named
by line, and `--submit` sending the findings to a center (a fake intake on loopback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_center import KEY, FakeCenter, ThreadedServer

REPO = Path(__file__).resolve().parents[3]
HEADER = "start,caller,callee,duration_s,answered,trunk,cell\n"
T0 = 1_764_547_200


def run(*args, stdin=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "antifraud", "cdr", "analyze", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ANTIFRAUD_")}, **(env or {})},
    )


def fraud_file(tmp_path) -> Path:
    lines = [HEADER]
    # wangiri: one foreign number ringing 25 subscribers once
    lines += [f"{T0 + i * 10},+88234567890,+7705{i * 11:07d},2,0,international,X\n" for i in range(25)]
    # spoofed CLI: Kaspi's official number from abroad
    lines.append(f"{T0 + 400},+77272585965,+77051234567,30,1,international,X\n")
    path = tmp_path / "cdr.csv"
    path.write_text("".join(lines))
    return path


def test_findings_are_json_lines_with_the_contract_keys(tmp_path):
    result = run(str(fraud_file(tmp_path)))
    assert result.returncode == 0, result.stderr
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(f) for f in findings] == [["number", "pattern", "severity", "calls", "detail"]] * len(findings)
    assert {(f["number"], f["pattern"], f["severity"]) for f in findings} == {
        ("+88234567890", "wangiri", "warning"),
        ("+77272585965", "spoofed_cli", "warning"),
    }
    assert result.stderr == ""


def test_stdin_is_read_with_a_dash(tmp_path):
    result = run("-", stdin=fraud_file(tmp_path).read_text())
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_a_malformed_row_is_named_by_its_line_and_skipped_and_the_rest_is_analysed(tmp_path):
    rows = fraud_file(tmp_path).read_text().splitlines(keepends=True)
    rows.insert(3, f"{T0},+77010000001,+77050000001,ten,1,domestic,X\n")  # line 4
    rows.insert(5, f'{T0},+77010000001,+77050000001,10,1,domestic,"a cell\nname on two lines"\n')  # lines 6-7: fine
    rows.insert(6, f"{T0},+77010000001\n")  # line 8
    rows.insert(8, f"{T0},+77010000001,+77050000001,10,1,domestic,{'x' * 200_000}\n")  # line 10: too long for CSV
    path = tmp_path / "mixed.csv"
    path.write_text("".join(rows))
    result = run(str(path))
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert errors[0] == "line 4: duration_s is 'ten'; it must be whole seconds"
    assert errors[1].startswith("line 8: the row has 2 fields")
    assert errors[2].startswith("line 10: not CSV")
    assert len(errors) == 3
    assert len(result.stdout.splitlines()) == 2, "the valid rows are still analysed"


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "the input is empty"), ("start,caller,duration_s\n1,2,3\n", "the header lacks callee, answered, trunk")],
)
def test_an_unusable_file_exits_2_saying_why(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_text(content)
    result = run(str(path))
    assert result.returncode == 2
    assert message in result.stderr


def test_a_missing_file_and_an_unknown_profile_are_named(tmp_path):
    result = run(str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    result = run(str(fraud_file(tmp_path)), "--profile", "lenient")
    assert result.returncode == 2
    assert "no profile 'lenient'" in result.stderr


def test_submit_sends_each_finding_to_intake_as_a_report_of_the_operators_key(tmp_path):
    center = FakeCenter()
    center.reports_fail = 1  # the first attempt meets a busy center: retried
    with ThreadedServer(center.app) as server:
        result = run(str(fraud_file(tmp_path)), "--submit", "--center", server.url, env={"ANTIFRAUD_KEY": KEY})
    assert result.returncode == 0, result.stderr
    reports = {r["value"]: r for r in center.reports}
    assert reports["+88234567890"]["category"] == "wangiri"
    assert reports["+77272585965"]["category"] == "spoofed_call"
    assert reports["+77272585965"]["type"] == "phone"
    assert reports["+77272585965"]["comment"].startswith("call records, spoofed_cli (warning, 1 calls): an official")
    posts = center.requests_to("/v1/reports")
    assert len(posts) == 2
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"], "a retry is the same batch"
    assert posts[1].headers["Authorization"] == f"Bearer {KEY}"


def test_submit_without_a_key_or_with_the_center_away_says_so(tmp_path):
    result = run(str(fraud_file(tmp_path)), "--submit", "--center", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert "$ANTIFRAUD_KEY" in result.stderr
    center = FakeCenter()
    center.reports_fail = 100
    with ThreadedServer(center.app) as server:
        result = run(str(fraud_file(tmp_path)), "--submit", "--center", server.url, env={"ANTIFRAUD_KEY": KEY})
    assert result.returncode == 4
    assert "2 finding(s) could not be submitted" in result.stderr
    assert len(result.stdout.splitlines()) == 2, "the findings are still written"
