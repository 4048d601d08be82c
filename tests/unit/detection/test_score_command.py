"""`antifraud score`: the contract output of DESIGN.md, line by line, without stopping on bad input."""

from __future__ import annotations

import io
import json

import pytest

from antifraud.commands.score import EXIT_OK, EXIT_SOME_INVALID, format_line, run_score
from antifraud.domain.model import Assessment, Signal, Verdict

KEYS = ["value", "normalized", "verdict", "score", "signals"]


def score(lines, detector, suffixes, kind="domain"):
    out = io.StringIO()
    code = run_score(lines, out, detector, suffixes, kind)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_object_per_line_in_the_contract_shape(detector, suffixes):
    code, rows = score(
        ["kaspi.kz\n", "https://Login.Kaspi-Bonus.KZ/auth?x=1\n", "astana-hub.org\n"], detector, suffixes
    )
    assert code == EXIT_OK
    assert [list(r) for r in rows] == [KEYS, KEYS, KEYS]
    assert rows[0] == {
        "value": "kaspi.kz",
        "normalized": "kaspi.kz",
        "verdict": "allow",
        "score": 0,
        "signals": [{"name": "allowlisted", "weight": 0, "detail": "official domain of Kaspi Bank"}],
    }
    assert rows[1]["value"] == "https://Login.Kaspi-Bonus.KZ/auth?x=1"
    assert rows[1]["normalized"] == "login.kaspi-bonus.kz"
    assert rows[1]["verdict"] == "block"
    assert {s["name"] for s in rows[1]["signals"]} >= {"combosquat", "brand_with_lure"}
    assert all(set(s) == {"name", "weight", "detail"} for s in rows[1]["signals"])
    assert rows[2]["verdict"] == "none"
    assert rows[2]["signals"] == []


def test_invalid_lines_get_an_error_and_the_stream_goes_on(detector, suffixes):
    code, rows = score(["not a domain at all", "", "   ", "192.168.1.1", "kaspi-bonus.kz"], detector, suffixes)
    assert code == EXIT_SOME_INVALID
    assert len(rows) == 3  # blank lines are skipped
    for row in rows[:2]:
        assert row["verdict"] == "none"
        assert row["score"] == 0
        assert row["signals"] == []
        assert row["error"]
    assert "IP address" in rows[1]["error"]
    assert rows[2]["verdict"] == "block"


def test_unicode_is_written_as_is(detector, suffixes):
    _, rows = score(["каспи-бонус.kz"], detector, suffixes)
    assert rows[0]["value"] == "каспи-бонус.kz"
    assert rows[0]["normalized"].startswith("xn--")
    assert any("Cyrillic" in s["detail"] for s in rows[0]["signals"])


def test_phones(detector, suffixes):
    code, rows = score(["+7 727 258 59 65", "+77272585966", "12ab"], detector, suffixes, kind="phone")
    assert code == EXIT_SOME_INVALID
    assert rows[0]["verdict"] == "allow"
    assert rows[0]["normalized"] == "+77272585965"
    assert rows[1]["signals"][0]["name"] == "near_official_number"
    assert "error" in rows[2]


def test_format_line_escapes_what_json_needs():
    line = format_line('a"b\\c', "x", Assessment(45, Verdict.REVIEW, (Signal("s", 45, 'tab\there "q"'),)))
    assert json.loads(line)["signals"][0]["detail"] == 'tab\there "q"'
    assert json.loads(line)["value"] == 'a"b\\c'


def test_an_unknown_kind_is_refused(detector, suffixes):
    with pytest.raises(ValueError, match="kind must be"):
        run_score([], io.StringIO(), detector, suffixes, "url")  # type: ignore[arg-type]


def test_types_are_guessed_per_line_as_check_does(detector, suffixes):
    code, rows = score(
        ["kaspi-bonus.kz", "+77272585965", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "https://egov-pay.kz/x"],
        detector,
        suffixes,
        kind=None,
    )
    assert code == EXIT_OK
    assert [r["normalized"] for r in rows] == [
        "kaspi-bonus.kz",
        "+77272585965",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "egov-pay.kz",
    ]
    assert rows[1]["verdict"] == "allow"
    assert rows[2]["signals"][0]["name"] == "wallet"
    assert "checksum verified" in rows[2]["signals"][0]["detail"]


def test_wallets_with_a_broken_checksum_get_an_error_naming_the_chain(detector, suffixes):
    code, rows = score(
        ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"],
        detector,
        suffixes,
        "wallet",
    )
    assert code == EXIT_SOME_INVALID
    assert "TRON" in rows[0]["error"]
    assert "checksum" in rows[0]["error"]
    assert rows[1]["normalized"] == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    assert list(rows[1]) == KEYS


def test_a_wallet_is_assessed_by_its_evidence(detector):
    from antifraud.domain.wallets import normalize_wallet  # noqa: PLC0415

    wallet = normalize_wallet("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert detector.assess_wallet(wallet).verdict is Verdict.NONE
    seen = Signal("found_on_listed_site", 45, "shown on kaspi-bonus.kz (listed)")
    assert detector.assess_wallet(wallet, [seen]).verdict is Verdict.REVIEW
