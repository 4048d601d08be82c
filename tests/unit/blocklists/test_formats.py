"""Rendering every published format: golden files, determinism, and refusal of unsafe entries.

Regenerate the golden files after an intended change with `UPDATE_GOLDEN=1 pytest tests/unit/blocklists`
and review the diff: consumers parse these bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from antifraud.domain.model import Category, Delta, ListEntry, ListKind, Snapshot
from blocklists.errors import InvalidSnapshot
from blocklists.formats import FORMATS, RpzOptions, build_formats, render_snapshot
from blocklists.rows import rfc3339

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "blocklists"
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def entry(value, category=Category.PHISHING, score=90, *, days=0, expires=None, display=None):
    return ListEntry(value, category, score, T0 - timedelta(days=days), expires, display)


SAMPLE = Snapshot(
    version=42,
    generated_at=T0,
    # deliberately unsorted: the renderers sort
    domains=(
        entry("kaspi-bonus.kz", Category.BANK_IMPERSONATION, 95, days=2, expires=T0 + timedelta(days=90)),
        entry("xn----7sbe0aiwgergv.kz", Category.PHISHING, 88, days=1, display="каспи-бонус.kz"),
        entry("egov-pay.online", Category.PHISHING, 80, days=3),
        entry("invest-kz.top", Category.INVESTMENT_SCAM, 75, days=5, expires=T0 + timedelta(days=30)),
    ),
    phones=(
        entry("+77273000000", Category.SPOOFED_CALL, 85, days=1, expires=T0 + timedelta(days=30)),
        entry("+77011234567", Category.WANGIRI, 70, days=2),
        entry("+79161234567", Category.SMS_SCAM, 65, days=4),
        entry("+7701999*", Category.WANGIRI, 80, days=1),  # a range: phones.csv says `prefix`
    ),
    wallets=(
        entry("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", Category.INVESTMENT_SCAM, 90, days=1),
        entry("0x52908400098527886e0f7030069857d2e4169ee7", Category.MONEY_LAUNDERING, 85, days=2),
    ),
)
EMPTY = Snapshot(version=1, generated_at=T0)
DOMAINS_DELTA = Delta(
    ListKind.DOMAINS,
    41,
    42,
    added=(SAMPLE.domains[1], SAMPLE.domains[0]),
    removed=("old-scam.kz", "halyk-prize.com"),
)
PHONES_DELTA = Delta(
    ListKind.PHONES, 41, 42, added=(SAMPLE.phones[0], SAMPLE.phones[3]), removed=("+77017654321", "+7702555*")
)
WALLETS_DELTA = Delta(
    ListKind.WALLETS, 41, 42, added=(SAMPLE.wallets[0],), removed=("1BoatSLRHtKNngkdXEeobR76b53LETtpyT",)
)
DELTAS = {ListKind.DOMAINS: DOMAINS_DELTA, ListKind.PHONES: PHONES_DELTA, ListKind.WALLETS: WALLETS_DELTA}


def check_golden(path: Path, body: bytes) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 to create it"
    assert body == path.read_bytes(), f"{path.name} differs from its golden file"


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize(("folder", "snapshot"), [("sample", SAMPLE), ("empty", EMPTY)])
def test_every_format_matches_its_golden_file(name, folder, snapshot):
    check_golden(GOLDEN / folder / name, FORMATS[name].render(snapshot))


@pytest.mark.parametrize("name", sorted(n for n, f in FORMATS.items() if f.supports_delta))
def test_every_delta_matches_its_golden_file(name):
    fmt = FORMATS[name]
    delta = DELTAS[fmt.kind]
    body = fmt.render_delta(delta)
    assert body is not None
    check_golden(GOLDEN / "delta" / name, body)


def test_the_registry_publishes_at_least_the_contract_lists():
    assert set(FORMATS) >= {
        "domains.rpz",
        "domains.hosts",
        "domains.txt",
        "domains.json",
        "domains.unbound.conf",
        "domains.dnsmasq.conf",
        "phones.csv",
        "phones.json",
        "phones.txt",
        "wallets.csv",
        "wallets.json",
    }
    for name, fmt in FORMATS.items():
        assert fmt.name == name
        assert fmt.kind.value == name.split(".")[0]
        assert fmt.media_type


@pytest.mark.parametrize("name", ["domains.rpz", "domains.hosts", "domains.unbound.conf", "domains.dnsmasq.conf"])
def test_formats_without_deltas_say_so(name):
    assert not FORMATS[name].supports_delta
    assert FORMATS[name].render_delta(DOMAINS_DELTA) is None


def test_delta_formats_include_txt_json_and_csv():
    assert {n for n, f in FORMATS.items() if f.supports_delta} >= {
        "domains.txt",
        "domains.json",
        "phones.txt",
        "phones.json",
        "phones.csv",
    }


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_rendering_ignores_the_order_of_the_snapshot(name):
    other = replace(SAMPLE, domains=SAMPLE.domains[2:] + SAMPLE.domains[:2], phones=SAMPLE.phones[::-1])
    assert FORMATS[name].render(other) == FORMATS[name].render(SAMPLE)


def test_equal_instants_in_other_zones_render_the_same_bytes():
    almaty = timezone(timedelta(hours=5))
    moved = replace(SAMPLE, generated_at=T0.astimezone(almaty))
    assert render_snapshot(moved) == render_snapshot(SAMPLE)


def test_rpz_has_soa_serial_version_and_relative_owner_names():
    text = FORMATS["domains.rpz"].render(SAMPLE).decode()
    records = [line for line in text.splitlines() if line and not line.startswith((";", "$"))]
    soa = next(line for line in records if " SOA " in line).split()
    assert soa[5] == "42"  # @ IN SOA mname rname SERIAL ...
    data = [line.split(";")[0].split() for line in records if " CNAME " in line]
    assert len(data) == 2 * len(SAMPLE.domains)
    for owner, rtype, target in data:
        assert rtype == "CNAME"
        assert target == "."
        assert not owner.endswith("."), "owner names must stay relative to the consumer's origin"
    owners = [owner for owner, _, _ in data]
    assert owners[:2] == ["egov-pay.online", "*.egov-pay.online"]
    assert "$TTL 300" in text
    assert "; version: 42" in text
    assert "; entries: 4" in text


def test_rpz_options_set_ttl_and_soa_fields():
    formats = build_formats(RpzOptions(ttl=60, primary="ns.antifraud.kz.", contact="noc.antifraud.kz."))
    text = formats["domains.rpz"].render(SAMPLE).decode()
    assert (
        "$TTL 60\n@ IN SOA ns.antifraud.kz. noc.antifraud.kz. 42 3600 600 604800 60\n@ IN NS ns.antifraud.kz." in text
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"ttl": -1}, "ttl"),
        ({"expire": 2**31}, "expire"),
        ({"primary": "ns.example"}, "primary"),
        ({"contact": "a b."}, "contact"),
    ],
)
def test_rpz_options_are_validated(options, field):
    with pytest.raises(InvalidSnapshot) as caught:
        RpzOptions(**options)
    assert caught.value.field == field


def test_unicode_forms_appear_only_in_comments():
    for name, fmt in FORMATS.items():
        if fmt.kind is not ListKind.DOMAINS or name == "domains.json":
            continue
        for line in fmt.render(SAMPLE).decode().splitlines():
            data = line.split(";" if name == "domains.rpz" else "#")[0]
            assert data.isascii(), f"{name}: {line!r}"
    assert "; каспи-бонус.kz" in FORMATS["domains.rpz"].render(SAMPLE).decode()
    assert "# каспи-бонус.kz" in FORMATS["domains.hosts"].render(SAMPLE).decode()
    assert "каспи" not in FORMATS["domains.dnsmasq.conf"].render(SAMPLE).decode()
    assert "каспи" not in FORMATS["domains.txt"].render(SAMPLE).decode()


def test_a_display_form_cannot_break_out_of_its_comment():
    hostile = replace(
        SAMPLE, domains=(entry("xn--80aqevj.kz", display="каспи.kz\nevil.kz CNAME rpz-passthru.\u2028x"),)
    )
    for name in ("domains.rpz", "domains.hosts", "domains.unbound.conf"):
        lines = FORMATS[name].render(hostile).decode().split("\n")
        assert not any(line.startswith("evil") for line in lines), name
        assert "\u2028" not in "\n".join(lines)


def test_hosts_unbound_dnsmasq_and_txt_lines():
    content = {name: FORMATS[name].render(SAMPLE).decode().splitlines() for name in FORMATS}
    assert "0.0.0.0 egov-pay.online" in content["domains.hosts"]
    assert 'local-zone: "kaspi-bonus.kz." always_nxdomain' in content["domains.unbound.conf"]
    assert "address=/invest-kz.top/" in content["domains.dnsmasq.conf"]
    data = [line for line in content["domains.txt"] if not line.startswith("#")]
    assert data == sorted(e.value for e in SAMPLE.domains)
    assert content["phones.txt"][-4:] == ["+77011234567", "+7701999*", "+77273000000", "+79161234567"]


def test_phones_csv_parses_with_the_header_and_rfc3339_times():
    rows = list(csv.DictReader(io.StringIO(FORMATS["phones.csv"].render(SAMPLE).decode())))
    assert [r["e164"] for r in rows] == ["+77011234567", "+7701999*", "+77273000000", "+79161234567"]
    assert rows[2] == {
        "e164": "+77273000000",
        "category": "spoofed_call",
        "score": "85",
        "listed_at": "2026-11-21T10:00:00Z",
        "expires_at": "2026-12-22T10:00:00Z",
        "origin": "auto",
        "match": "exact",
    }
    assert rows[0]["expires_at"] == ""
    assert rows[1]["match"] == "prefix"


def test_json_lists_carry_version_and_entry_fields():
    document = json.loads(FORMATS["domains.json"].render(SAMPLE))
    assert document["version"] == 42
    assert document["generated_at"] == "2026-11-22T10:00:00Z"
    idn = next(e for e in document["entries"] if e["value"].startswith("xn--"))
    assert idn == {
        "value": "xn----7sbe0aiwgergv.kz",
        "display": "каспи-бонус.kz",
        "category": "phishing",
        "score": 88,
        "listed_at": "2026-11-21T10:00:00Z",
        "expires_at": None,
        "origin": "auto",
    }
    phones = json.loads(FORMATS["phones.json"].render(SAMPLE))
    assert [e["e164"] for e in phones["entries"]] == ["+77011234567", "+7701999*", "+77273000000", "+79161234567"]


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (ListKind.DOMAINS, "Kaspi.kz"),  # upper case would break sorting and duplicate detection
        (ListKind.DOMAINS, 'evil.kz" always_transparent'),
        (ListKind.DOMAINS, "evil.kz/1.2.3.4"),
        (ListKind.DOMAINS, "*.evil.kz"),
        (ListKind.DOMAINS, "evil..kz"),
        (ListKind.DOMAINS, "evil.kz."),
        (ListKind.DOMAINS, "каспи.kz"),
        (ListKind.DOMAINS, "evil.kz\n@ NS x."),
        (ListKind.DOMAINS, "evil.kz\n"),
        (ListKind.PHONES, "+77011234567\n"),
        (ListKind.DOMAINS, "1.0.0.127.rpz-ip"),
        (ListKind.DOMAINS, ("a" * 63 + ".") * 4 + "kz"),
        (ListKind.DOMAINS, ""),
        (ListKind.PHONES, "+7 701 123 45 67"),
        (ListKind.PHONES, "+0123"),
        (ListKind.PHONES, "+1234567890123456"),
        (ListKind.PHONES, "1,2"),
    ],
)
def test_unsafe_values_are_refused_with_their_position(kind, value):
    bad = replace(SAMPLE, **{kind.value: (entry(value),)})
    with pytest.raises(InvalidSnapshot) as caught:
        render_snapshot(bad)
    assert caught.value.field == f"{kind.value}[0].value"
    assert repr(value[:20])[:-1] in caught.value.message


def test_duplicates_are_refused():
    bad = replace(SAMPLE, domains=(*SAMPLE.domains, entry("kaspi-bonus.kz", score=10)))
    with pytest.raises(InvalidSnapshot, match=re.escape("'kaspi-bonus.kz' more than once")):
        FORMATS["domains.txt"].render(bad)


def test_naive_timestamps_are_refused():
    with pytest.raises(InvalidSnapshot, match="no time zone"):
        FORMATS["domains.txt"].render(replace(SAMPLE, generated_at=datetime(2026, 11, 22)))  # noqa: DTZ001
    naive = ListEntry("+77011234567", Category.WANGIRI, 1, datetime(2026, 11, 22))  # noqa: DTZ001
    with pytest.raises(InvalidSnapshot, match="without a time zone"):
        FORMATS["phones.csv"].render(replace(SAMPLE, phones=(naive,)))


@pytest.mark.parametrize("version", [-1, 2**32])
def test_versions_outside_the_soa_serial_range_are_refused(version):
    with pytest.raises(InvalidSnapshot, match="SOA serial"):
        FORMATS["domains.rpz"].render(replace(SAMPLE, version=version))


def test_short_codes_and_largest_serial_are_accepted():
    snapshot = replace(SAMPLE, version=2**32 - 1, phones=(entry("1414", Category.SMS_SCAM),))
    assert b"1414,sms_scam" in FORMATS["phones.csv"].render(snapshot)
    assert b" 4294967295 " in FORMATS["domains.rpz"].render(snapshot)


def test_deltas_are_checked():
    overlap = Delta(ListKind.DOMAINS, 1, 2, added=(entry("a.kz"),), removed=("a.kz",))
    with pytest.raises(InvalidSnapshot, match="both adds and removes"):
        FORMATS["domains.txt"].render_delta(overlap)
    backwards = Delta(ListKind.DOMAINS, 3, 2)
    with pytest.raises(InvalidSnapshot, match="goes backwards"):
        FORMATS["domains.json"].render_delta(backwards)
    with pytest.raises(InvalidSnapshot, match="renders phones deltas"):
        FORMATS["phones.csv"].render_delta(DOMAINS_DELTA)
    with pytest.raises(InvalidSnapshot, match=r"removed\[0\]"):
        FORMATS["domains.txt"].render_delta(Delta(ListKind.DOMAINS, 1, 2, removed=("BAD NAME",)))


def test_rfc3339_is_utc_whole_seconds():
    assert rfc3339(datetime(2026, 1, 2, 8, 4, 5, 999, tzinfo=timezone(timedelta(hours=5)))) == "2026-01-02T03:04:05Z"
    assert rfc3339(None) == ""


def test_render_snapshot_gives_every_list():
    rendered = render_snapshot(SAMPLE)
    assert list(rendered) == sorted(FORMATS)
    for name, body in rendered.items():
        assert body == FORMATS[name].render(SAMPLE)
    assert render_snapshot(SAMPLE, {"phones.txt": FORMATS["phones.txt"]}).keys() == {"phones.txt"}
