"""The agent's pure decisions: which tables, the index, backoff, what a loadable table looks like."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.gateway.model import (
    DEFAULT_TABLES,
    TABLES,
    AgentState,
    Backoff,
    GatewayAgentError,
    Held,
    InvalidTable,
    check_table,
    parse_index,
    table_specs,
)

SHA = "a" * 64


def test_the_default_tables_are_what_the_shipped_kamailio_configuration_loads():
    specs = table_specs(",".join(DEFAULT_TABLES))
    assert [(s.reload_method, s.reload_target) for s in specs] == [
        ("htable.reload", "blocklist"),
        ("mtree.reload", "ranges"),
        ("htable.reload", "official"),
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [("phones.csv", "unknown tables"), ("", "unknown tables"), ("phones.kamailio,phones.expires.kamailio", "twice")],
)
def test_a_wrong_choice_of_tables_is_refused(names, message):
    with pytest.raises(GatewayAgentError, match=message):
        table_specs(names)


def test_the_index_is_read_and_checked():
    entries = parse_index({"version": 3, "lists": [{"name": "phones.kamailio", "version": 3, "sha256": SHA}]})
    assert entries["phones.kamailio"].version == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not an object"),
        ({"lists": "x"}, "not an object"),
        ({"lists": ["x"]}, "not an object"),
        ({"lists": [{"name": "a", "version": True, "sha256": SHA}]}, "no version"),
        ({"lists": [{"name": "a", "version": -1, "sha256": SHA}]}, "no version"),
        ({"lists": [{"name": "a", "version": 1, "sha256": "A" * 64}]}, "no sha256"),
    ],
)
def test_a_malformed_index_says_what_is_wrong(document, message):
    with pytest.raises(InvalidTable, match=message):
        parse_index(document)


def test_backoff_doubles_up_to_its_cap_and_never_drops_below_half():
    backoff = Backoff(base=1.0, cap=60.0)
    assert backoff.delay(0, lambda: 0.5) == 0
    assert [backoff.delay(n, lambda: 0.0) for n in (1, 2, 3, 7, 8, 100)] == [0.5, 1.0, 2.0, 30.0, 30.0, 30.0]
    assert backoff.delay(100, lambda: 1.0) == 60.0


def test_state_round_trips_and_forgets_what_it_cannot_read():
    state = AgentState({"phones.kamailio": Held(4, SHA)}, {"phones.kamailio"}, {"since": None})
    assert AgentState.from_json(state.to_json()) == state
    assert AgentState.from_json("garbage") == AgentState()
    assert AgentState.from_json({"held": {"x": {"version": "4"}}}).held == {}


NUMBERS = TABLES["phones.kamailio"]
RANGES = TABLES["phones.ranges.kamailio"]
EXPIRES = TABLES["phones.expires.kamailio"]
OFFICIAL = TABLES["phones.official.kamailio"]


@pytest.mark.parametrize(
    ("spec", "body"),
    [
        (NUMBERS, b"number(str) reason(str)\n+77011234567:wangiri\n1414:sms_scam\n"),
        (NUMBERS, b"number(str) reason(str)\n"),
        (RANGES, b"prefix(string) reason(string) listed(string)\n+7701999:wangiri:+7701999*\n"),
        (
            TABLES["phones.ranges.digits.kamailio"],
            b"prefix(string) reason(string) listed(string)\n7701999:x:+7701999*\n",
        ),
        (EXPIRES, b"key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\n+77011234567:0:0:x:0\n"),
        (OFFICIAL, b"number(str) brand(str)\n+77272585965:Kaspi\\: Gold\n"),
    ],
)
def test_tables_the_center_renders_are_loadable(spec, body):
    check_table(spec, body)


@pytest.mark.parametrize(
    ("spec", "body", "message"),
    [
        (NUMBERS, b"key_name(str)\n", "header"),
        (NUMBERS, b"number(str) reason(str)\n+77011234567:wangiri", "cut short"),
        (NUMBERS, b"number(str) reason(str)\n+77011234567\n", "line 2 has 1 fields"),
        (NUMBERS, b"number(str) reason(str)\n+7701:a:b\n", "3 fields"),
        (NUMBERS, b"number(str) reason(str)\n+7701*:wangiri\n", "not a number or a prefix"),
        (NUMBERS, b"number(str) reason(str)\n+77011234567:Wangiri!\n", "not a category"),
        (NUMBERS, b"number(str) reason(str)\n+7701\\q:x\n", "bad escape"),
        (NUMBERS, b"number(str) reason(str)\n\xff\n", "UTF-8"),
        (RANGES, b"prefix(string) reason(string) listed(string)\n+7701999:wangiri:+7*\n", "listed range"),
        (EXPIRES, b"key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\n+7701:1:0:x:0\n", "types"),
    ],
)
def test_a_table_that_is_not_loadable_is_refused_with_the_line(spec, body, message):
    with pytest.raises(InvalidTable, match=message):
        check_table(spec, body)


@given(st.binary(max_size=200))
def test_any_bytes_are_either_loadable_or_refused_with_a_reason(body):
    table = b"number(str) reason(str)\n" + body
    rows = body.split(b"\n")
    loadable = rows[-1] == b"" and all(re.fullmatch(rb"\+?[0-9]{2,15}:[a-z_]{1,40}", row) for row in rows[:-1])
    if loadable:
        check_table(NUMBERS, table)
    else:
        with pytest.raises(InvalidTable, match=r"\S"):
            check_table(NUMBERS, table)
