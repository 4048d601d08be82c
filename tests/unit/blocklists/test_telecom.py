"""The tables SIP gateways load: db_text escaping, deltas a gateway agent applies, the official table.

Kamailio itself loads every one of these in tests/e2e/test_kamailio.py; here the bytes are checked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antifraud.domain.model import Category, ListEntry, ListKind, Snapshot
from blocklists.delta import compute_delta
from blocklists.errors import InvalidSnapshot
from blocklists.formats import FORMATS
from blocklists.telecom import (
    MAX_UNIX_TIME,
    DeltaMismatch,
    apply_dbtext_delta,
    dbtext_escape,
    dbtext_fields,
    official_index_entry,
    render_official_table,
    unix_time,
)

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DELTA_FORMATS = ["phones.kamailio", "phones.expires.kamailio", "phones.ranges.kamailio"]


def listing(value, category=Category.WANGIRI, expires=None):
    return ListEntry(value, category, 80, T0, expires)


def test_the_contract_table_holds_numbers_only_with_their_category():
    snapshot = Snapshot(
        7,
        T0,
        phones=(listing("+77011234567"), listing("1414", Category.SMS_SCAM), listing("+7701999*")),
    )
    assert FORMATS["phones.kamailio"].render(snapshot) == (
        b"number(str) reason(str)\n+77011234567:wangiri\n1414:sms_scam\n"
    )
    assert FORMATS["phones.digits.kamailio"].render(snapshot) == (
        b"number(str) reason(str)\n77011234567:wangiri\n1414:sms_scam\n"
    )
    assert FORMATS["phones.ranges.kamailio"].render(snapshot) == (
        b"prefix(string) reason(string) listed(string)\n+7701999:wangiri:+7701999*\n"
    )
    assert FORMATS["phones.ranges.digits.kamailio"].render(snapshot) == (
        b"prefix(string) reason(string) listed(string)\n7701999:wangiri:+7701999*\n"
    )


def test_expiry_is_a_unix_time_and_zero_means_never():
    ends = T0 + timedelta(days=30)
    snapshot = Snapshot(1, T0, phones=(listing("+77011234567", expires=ends), listing("+77011234568")))
    lines = FORMATS["phones.expires.kamailio"].render(snapshot).decode().splitlines()
    assert lines == [
        "key_name(str) key_type(int) value_type(int) key_value(str) expires(int)",
        f"+77011234567:0:0:wangiri:{int(ends.timestamp())}",
        "+77011234568:0:0:wangiri:0",
    ]
    assert unix_time("") == 0
    assert unix_time("2199-01-01T00:00:00Z") == MAX_UNIX_TIME  # a C int in db_text: clamped, never wrapped


@given(st.text(max_size=40))
def test_dbtext_escaping_round_trips_any_text(text):
    escaped = dbtext_escape(text)
    assert "\n" not in escaped
    assert dbtext_fields(f"{escaped}:{escaped}") == [text, text]


def test_dbtext_escapes_the_way_kamailio_reads_them():
    assert dbtext_escape("Bank: C\\D\n") == "Bank\\: C\\\\D\\n"
    with pytest.raises(ValueError, match="bad escape"):
        dbtext_fields("a\\qb")


def test_the_official_table_names_brands_escaped_and_each_number_once():
    body = render_official_table(
        [
            ("+77272585965", "Kaspi Bank"),
            ("9999", "Kaspi Bank"),
            ("+77272585965", "Kaspi: Gold"),
            ("9999", "Kaspi Bank"),
        ]
    )
    assert body == b"number(str) brand(str)\n+77272585965:Kaspi Bank, Kaspi\\: Gold\n9999:Kaspi Bank\n"
    entry = official_index_entry(body, 12, "2026-11-22T10:00:00Z")
    assert entry["entries"] == 2
    assert entry["name"] == "phones.official.kamailio"
    assert render_official_table([]) == b"number(str) brand(str)\n"


@pytest.mark.parametrize("number", ["+7 727", "+7727:0", "", "abc"])
def test_an_official_number_that_could_break_the_table_is_refused(number):
    with pytest.raises(InvalidSnapshot, match="official number"):
        render_official_table([(number, "Kaspi Bank")])


values = st.one_of(
    st.integers(7_700_000_000, 7_700_000_040).map(lambda n: f"+7{n}"),
    st.integers(7_700_000, 7_700_010).map(lambda n: f"+7{n}*"),
    st.sampled_from(["1414", "9999"]),
)
lists = st.dictionaries(
    values,
    st.tuples(st.sampled_from([Category.WANGIRI, Category.SPOOFED_CALL]), st.booleans()),
    max_size=25,
)


def snapshot_of(version, items):
    return Snapshot(
        version,
        T0,
        phones=tuple(listing(v, c, T0 + timedelta(days=9) if e else None) for v, (c, e) in items.items()),
    )


@given(lists, lists)
@settings(max_examples=80, deadline=None)
def test_a_delta_applied_by_the_gateway_gives_the_bytes_of_the_full_table(old_items, new_items):
    old, new = snapshot_of(3, old_items), snapshot_of(5, new_items)
    delta = compute_delta(old, new, ListKind.PHONES)
    for name in DELTA_FORMATS:
        fmt = FORMATS[name]
        body = fmt.render_delta(delta)
        assert body is not None
        table, version = apply_dbtext_delta(fmt.render(old), body, held_version=3)
        assert version == 5
        assert table == fmt.render(new), name


def test_a_delta_from_another_version_is_refused():
    old, new = snapshot_of(3, {}), snapshot_of(5, {"+77000000001": (Category.WANGIRI, False)})
    body = FORMATS["phones.kamailio"].render_delta(compute_delta(old, new, ListKind.PHONES))
    assert body is not None
    with pytest.raises(DeltaMismatch, match="starts at version 3, the table held is 4"):
        apply_dbtext_delta(FORMATS["phones.kamailio"].render(old), body, held_version=4)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>proxy error</html>", "not a db_text delta"),
        (b"# antifraud db_text delta\n# from_version: 1\n+x\\q:y\n", "bad escape"),
        (b"# antifraud db_text delta\n# to_version: 2\n", "which versions"),
        (b"# antifraud db_text delta\nsomething\n", "unreadable delta line"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_an_unreadable_delta_is_refused_with_the_reason(body, message):
    with pytest.raises(DeltaMismatch, match=message):
        apply_dbtext_delta(b"number(str) reason(str)\n", body, held_version=1)


def test_formats_without_a_key_order_have_no_delta():
    # digits-only keys sort differently from the values (short codes), so a patched table could differ
    assert not FORMATS["phones.digits.kamailio"].supports_delta
    assert not FORMATS["phones.ranges.digits.kamailio"].supports_delta
