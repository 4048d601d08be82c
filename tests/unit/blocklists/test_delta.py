"""Deltas: applying the delta to the old list gives the new one, also after a round trip through the
rendered bytes a consumer actually receives (JSON, text, CSV)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.domain.model import Category, Delta, ListEntry, ListKind, Snapshot
from blocklists.delta import apply_delta, compute_delta
from blocklists.errors import InvalidSnapshot
from blocklists.formats import FORMATS, rfc3339

T0 = datetime(2026, 11, 22, tzinfo=UTC)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
domain_values = st.builds(lambda a, b: f"{a}.{b}", labels, st.sampled_from(["kz", "com", "xn--80ao21a", "online"]))
phone_values = st.integers(7_000_000_000, 7_999_999_999).map(lambda n: f"+7{n}")


def entries_for(values):
    return st.dictionaries(
        values,
        st.builds(
            lambda c, s, d, e: (c, s, T0 - timedelta(hours=d), None if e is None else T0 + timedelta(days=e)),
            st.sampled_from(Category),
            st.integers(0, 100),
            st.integers(0, 1000),
            st.none() | st.integers(1, 90),
        ),
        max_size=25,
    ).map(lambda d: tuple(ListEntry(v, c, s, listed, expires) for v, (c, s, listed, expires) in d.items()))


def pair(kind):
    values = domain_values if kind is ListKind.DOMAINS else phone_values
    return st.tuples(entries_for(values), entries_for(values))


def snapshots(kind, old, new):
    field = kind.value
    return Snapshot(3, T0, **{field: old}), Snapshot(9, T0, **{field: new})


def by_value(entries):
    return {e.value: e for e in entries}


@pytest.mark.parametrize("kind", list(ListKind))
@given(data=st.data())
def test_applying_the_delta_to_the_old_list_gives_the_new_one(kind, data):
    old, new = data.draw(pair(kind))
    delta = compute_delta(*snapshots(kind, old, new), kind)
    assert apply_delta(by_value(old), delta) == by_value(new)
    assert delta.from_version == 3
    assert delta.to_version == 9
    assert list(delta.removed) == sorted(delta.removed)
    assert [e.value for e in delta.added] == sorted(e.value for e in delta.added)


def json_row(e, key):
    return {
        key: e.value,
        "category": e.category.value,
        "score": e.score,
        "listed_at": rfc3339(e.listed_at),
        "expires_at": rfc3339(e.expires_at) or None,
    }


@pytest.mark.parametrize(("kind", "name"), [(ListKind.DOMAINS, "domains.json"), (ListKind.PHONES, "phones.json")])
@given(data=st.data())
def test_the_rendered_json_delta_turns_the_old_json_list_into_the_new_one(kind, name, data):
    old, new = data.draw(pair(kind))
    old_snap, new_snap = snapshots(kind, old, new)
    key = "e164" if kind is ListKind.PHONES else "value"
    listed = {e[key]: e for e in json.loads(FORMATS[name].render(old_snap))["entries"]}
    body = FORMATS[name].render_delta(compute_delta(old_snap, new_snap, kind))
    document = json.loads(body)
    for value in document["removed"]:
        del listed[value]
    listed.update({e[key]: e for e in document["added"]})
    assert listed == {e[key]: e for e in json.loads(FORMATS[name].render(new_snap))["entries"]}
    assert (document["list"], document["from_version"], document["to_version"]) == (kind.value, 3, 9)


@pytest.mark.parametrize(("kind", "name"), [(ListKind.DOMAINS, "domains.txt"), (ListKind.PHONES, "phones.txt")])
@given(data=st.data())
def test_the_rendered_text_delta_turns_the_old_text_list_into_the_new_one(kind, name, data):
    old, new = data.draw(pair(kind))
    old_snap, new_snap = snapshots(kind, old, new)

    def values(body):
        return {line for line in body.decode().splitlines() if not line.startswith("#")}

    listed = values(FORMATS[name].render(old_snap))
    for line in FORMATS[name].render_delta(compute_delta(old_snap, new_snap, kind)).decode().splitlines():
        if line.startswith("+"):
            listed.add(line[1:])
        elif line.startswith("-"):
            listed.discard(line[1:])
        else:
            assert line.startswith("#")
    assert listed == values(FORMATS[name].render(new_snap))


@given(data=st.data())
def test_the_rendered_csv_delta_turns_the_old_csv_list_into_the_new_one(data):
    old, new = data.draw(pair(ListKind.PHONES))
    old_snap, new_snap = snapshots(ListKind.PHONES, old, new)

    def rows(body):
        return {r["e164"]: r for r in csv.DictReader(io.StringIO(body.decode()))}

    listed = rows(FORMATS["phones.csv"].render(old_snap))
    body = FORMATS["phones.csv"].render_delta(compute_delta(old_snap, new_snap, ListKind.PHONES))
    for row in csv.DictReader(io.StringIO(body.decode())):
        action = row.pop("action")
        if action == "remove":
            del listed[row["e164"]]
        else:
            assert action == "add"
            listed[row["e164"]] = row
    assert listed == rows(FORMATS["phones.csv"].render(new_snap))


def test_a_changed_score_is_an_upsert_and_an_unchanged_entry_is_not_repeated():
    same = ListEntry("a.kz", Category.PHISHING, 50, T0)
    before = ListEntry("b.kz", Category.PHISHING, 50, T0)
    after = ListEntry("b.kz", Category.PHISHING, 90, T0)
    delta = compute_delta(
        Snapshot(1, T0, (same, before)),
        Snapshot(2, T0, (same, after, ListEntry("c.kz", Category.OTHER, 1, T0))),
        ListKind.DOMAINS,
    )
    assert [e.value for e in delta.added] == ["b.kz", "c.kz"]
    assert delta.added[0].score == 90
    assert delta.removed == ()


def test_removing_an_absent_value_is_a_no_op():
    entry = ListEntry("a.kz", Category.PHISHING, 50, T0)
    assert apply_delta({"a.kz": entry}, Delta(ListKind.DOMAINS, 1, 2, removed=("gone.kz",))) == {"a.kz": entry}


def test_diffing_backwards_or_with_duplicates_is_refused():
    with pytest.raises(InvalidSnapshot, match="cannot diff backwards"):
        compute_delta(Snapshot(5, T0), Snapshot(4, T0), ListKind.DOMAINS)
    twice = (ListEntry("a.kz", Category.PHISHING, 1, T0), ListEntry("a.kz", Category.OTHER, 2, T0))
    with pytest.raises(InvalidSnapshot, match=re.escape("'a.kz' more than once")):
        compute_delta(Snapshot(1, T0, twice), Snapshot(2, T0), ListKind.DOMAINS)
