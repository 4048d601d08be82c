"""Incremental publication gives the same bytes as a full one.

Two laws make it so: every format renders a list cut into runs exactly as the whole list (the run
law), and the renderer, patching the previous version's files bucket by bucket, writes for every
version exactly what a full render of that version's rows writes. Both are checked here on random
lists and random sequences of deltas, with tiny buckets so that a few dozen rows span many of them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antifraud.domain.model import Category, DecisionOrigin, ListEntry, ListKind, Snapshot
from blocklists.buckets import RowBuckets, decode_rows, encode_rows
from blocklists.errors import StalePublication
from blocklists.formats import FORMATS, render_snapshot
from blocklists.renderer import INDEX_NAME, KEEP_VERSIONS, SUMS_NAME, VERSIONS, ListChanges, Renderer, published_version
from blocklists.rows import to_row, to_rows

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
domain_values = st.builds(lambda a, b: f"{a}.{b}", labels, st.sampled_from(["kz", "com", "xn--80ao21a"]))
phone_values = st.one_of(
    st.integers(7_000_000_000, 7_000_000_300).map(lambda n: f"+7{n}"),
    st.integers(7_000_000, 7_000_030).map(lambda n: f"+7{n}*"),  # ranges: formats that select rows
)


@st.composite
def entries(draw, values):
    value = draw(values)
    return ListEntry(
        value,
        draw(st.sampled_from(list(Category))),
        draw(st.integers(0, 100)),
        T0 - timedelta(hours=draw(st.integers(0, 1000))),
        draw(st.one_of(st.none(), st.just(T0 + timedelta(days=30)))),
        draw(st.one_of(st.none(), st.just("каспи.kz"))) if value.startswith("xn--") or value.endswith("a") else None,
        draw(st.sampled_from(list(DecisionOrigin))),
    )


def unique(items):
    return {e.value: e for e in items}


@given(
    st.lists(entries(domain_values), max_size=40),
    st.lists(entries(phone_values), max_size=40),
    st.lists(st.integers(0, 40), max_size=6),
)
@settings(max_examples=60, deadline=None)
def test_every_format_renders_runs_like_the_whole_list(domains, phones, cuts):
    for kind, items in ((ListKind.DOMAINS, domains), (ListKind.PHONES, phones)):
        rows = to_rows(kind, unique(items).values(), "x")
        points = sorted({c for c in cuts if c < len(rows)} | {0, len(rows)})
        for fmt in (f for f in FORMATS.values() if f.kind is kind):
            whole = fmt.run(rows)
            parts = [fmt.run(rows[a:b]) for a, b in itertools.pairwise(points)]
            assert fmt.separator.join(p for p in parts if p) == whole, fmt.name


def snapshot_of(version, lists):
    return Snapshot(
        version, T0, *(tuple(lists[k].values()) for k in (ListKind.DOMAINS, ListKind.PHONES, ListKind.WALLETS))
    )


delta_steps = st.lists(
    st.tuples(
        st.lists(entries(domain_values), max_size=12),
        st.lists(domain_values, max_size=6),
        st.lists(entries(phone_values), max_size=12),
        st.lists(phone_values, max_size=6),
    ),
    min_size=1,
    max_size=6,
)


@given(st.lists(entries(domain_values), max_size=50), st.lists(entries(phone_values), max_size=50), delta_steps)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_patched_versions_are_byte_identical_to_full_renders(tmp_path_factory, domains, phones, steps):
    directory = tmp_path_factory.mktemp("lists")
    lists = {ListKind.DOMAINS: unique(domains), ListKind.PHONES: unique(phones), ListKind.WALLETS: {}}
    renderer = Renderer(directory, FORMATS, fsync=False, bucket_rows=4)
    renderer.load(1, "2026-11-22T10:00:00Z", {k: to_rows(k, v.values(), k.value) for k, v in lists.items()})
    for version, (d_up, d_rm, p_up, p_rm) in enumerate(steps, start=2):
        changes = {}
        for kind, ups, rms in ((ListKind.DOMAINS, d_up, d_rm), (ListKind.PHONES, p_up, p_rm)):
            ups_by_value = unique(ups)
            removals = sorted(set(rms) - set(ups_by_value))
            for value in removals:
                lists[kind].pop(value, None)
            lists[kind].update(ups_by_value)
            changes[kind] = ListChanges([to_row(kind, e) for e in ups_by_value.values()], removals)
        manifest = renderer.publish(version, "2026-11-22T10:00:00Z", changes)
        expected = render_snapshot(snapshot_of(version, lists))
        for name, body in expected.items():
            assert (manifest.directory / name).read_bytes() == body, (version, name)
            assert (directory / name).read_bytes() == body
            assert manifest.files[name].sha256 == hashlib.sha256(body).hexdigest()
        assert manifest.counts[ListKind.DOMAINS] == len(lists[ListKind.DOMAINS])


def test_buckets_apply_inserts_replacements_and_removals_in_order():
    rows = [to_row(ListKind.PHONES, ListEntry(f"+7700000{i:04d}", Category.WANGIRI, i % 100, T0)) for i in range(50)]
    buckets = RowBuckets.from_sorted_rows(rows, target=8)
    ids = [b.id for b in buckets.buckets]
    changed = buckets.apply([to_row(ListKind.PHONES, ListEntry("+77000000003", Category.SMS_SCAM, 1, T0))], [])
    assert changed == 1
    assert sum(a != b.id for a, b in zip(ids, buckets.buckets, strict=True)) == 1, "only one bucket is rewritten"
    buckets.apply([], ["+77000000010", "+79999999999"])
    values = list(buckets.values())
    assert len(values) == buckets.count == 49
    assert values == sorted(values)
    assert next(r for r in buckets if r[0] == "+77000000003")[1] == "sms_scam"
    assert decode_rows(encode_rows(rows)) == rows


def test_a_version_directory_is_complete_and_served_top_level(tmp_path):
    renderer = Renderer(tmp_path, FORMATS, fsync=True)
    entry = ListEntry("kaspi-bonus.kz", Category.PHISHING, 90, T0)
    renderer.load(1, "2026-11-22T10:00:00Z", {ListKind.DOMAINS: [to_row(ListKind.DOMAINS, entry)]})
    manifest = renderer.publish(2, "2026-11-22T10:00:01Z", {})
    assert published_version(tmp_path) == 2
    index = json.loads((tmp_path / INDEX_NAME).read_text())
    assert index == manifest.index
    assert {item["name"] for item in index["lists"]} == set(FORMATS)
    for name in FORMATS:
        assert (tmp_path / name).samefile(manifest.directory / name)
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", SUMS_NAME], cwd=tmp_path, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert not list(tmp_path.glob(".*.tmp"))


def test_old_versions_are_pruned_and_a_restart_restores_the_newest(tmp_path):
    renderer = Renderer(tmp_path, FORMATS, fsync=False)
    renderer.load(1, "2026-11-22T10:00:00Z", {})
    for version in range(2, 10):
        entry = ListEntry(f"scam{version}.kz", Category.PHISHING, 90, T0)
        renderer.publish(
            version, "2026-11-22T10:00:00Z", {ListKind.DOMAINS: ListChanges([to_row(ListKind.DOMAINS, entry)])}
        )
    kept = sorted(int(p.name) for p in (tmp_path / VERSIONS).iterdir())
    assert kept == list(range(10 - KEEP_VERSIONS, 10))
    restored = Renderer(tmp_path, FORMATS, fsync=False)
    manifest = restored.restore()
    assert manifest is not None
    assert manifest.version == 9
    assert manifest.counts[ListKind.DOMAINS] == 8
    # the restored renderer continues with the next version, and writes what a full render would
    gone = restored.publish(10, "2026-11-22T10:00:00Z", {ListKind.DOMAINS: ListChanges((), ["scam5.kz"])})
    text = (gone.directory / "domains.txt").read_text()
    assert "scam5.kz" not in text
    assert "scam9.kz" in text


def test_an_older_version_is_refused(tmp_path):
    renderer = Renderer(tmp_path, FORMATS, fsync=False)
    renderer.load(5, "2026-11-22T10:00:00Z", {})
    with pytest.raises(StalePublication, match="newer than 4"):
        renderer.publish(4, "2026-11-22T10:00:00Z", {})
