"""Each call-record pattern on small hand-made streams: what finds it, what does not, and that the
state stays bounded. Rows are CSV fields as the reader gives them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antifraud.calls import CallAnalyzer, InvalidRecord, Profile
from antifraud.calls.profiles import Levels, Simbox, Velocity, Wangiri
from antifraud.domain.phone_ranges import normalize_phone_range

HEADER = ["start", "caller", "callee", "duration_s", "answered", "trunk"]
T0 = 1_764_547_200
OFFICIAL = {"+77272585965"}


def row(start, caller, callee, duration=60, answered=1, trunk="domestic"):
    return [str(start), caller, callee, str(duration), str(answered), trunk]


def analyze(rows, profile=None, official=OFFICIAL, header=HEADER):
    problems: list[str] = []
    analyzer = CallAnalyzer(profile or Profile(), official)
    found = list(analyzer.analyze(header, rows, problems.append))
    return found, problems, analyzer


def patterns(found):
    return [(f.number, f.pattern, f.severity) for f in found]


def test_ordinary_traffic_finds_nothing():
    rows = [row(T0 + i * 7, f"+7701{i % 50:07d}", f"+7705{(i * 7919) % 10_000:07d}") for i in range(3000)]
    found, problems, analyzer = analyze(rows)
    assert (found, problems) == ([], [])
    assert analyzer.records == 3000


def test_calls_per_minute_warn_then_turn_critical_once_each():
    rows = [row(T0 + i, "+77011112222", f"+7705{i:07d}") for i in range(59)]
    rows += [row(T0 + 61 + i, "+77011112222", f"+7706{i:07d}") for i in range(30)]  # a new minute window
    found, _, _ = analyze(rows)
    cpm = [f for f in found if "within a minute" in f.detail]
    assert [(f.severity, f.calls) for f in cpm] == [("warning", 30), ("warning", 30)]
    profile = Profile(velocity=Velocity(calls_per_minute=Levels(5, 10)))
    found, _, _ = analyze([row(T0, "+77011112222", f"+7705{i:07d}") for i in range(12)], profile)
    assert [(f.severity, f.calls) for f in found if "within a minute" in f.detail] == [("warning", 5), ("critical", 10)]


def test_distinct_callees_per_hour_count_each_callee_once():
    repeated = [row(T0 + i * 30, "+77011112222", f"+7705{i % 5:07d}") for i in range(110)]
    found, _, _ = analyze(repeated)
    assert not [f for f in found if "distinct callees" in f.detail]
    spread = [row(T0 + i * 30, "+77011112222", f"+7705{i * 37:07d}") for i in range(110)]
    found, _, _ = analyze(spread)
    [finding] = [f for f in found if "distinct callees" in f.detail]
    assert finding.severity == "warning"
    assert finding.detail == "100 distinct callees within an hour (100 calls)"


def test_concurrent_calls_are_calls_that_overlap_in_time():
    profile = Profile(velocity=Velocity(concurrent_calls=Levels(3, 5)))
    # four calls of an hour each, a minute apart: four at once
    rows = [row(T0 + i * 60, "+77011112222", f"+7705{i * 3:07d}", duration=3600) for i in range(4)]
    found, _, _ = analyze(rows, profile)
    assert [(f.severity, f.calls, f.detail) for f in found] == [("warning", 3, "3 calls at once")]
    # the same calls one after the other never overlap
    rows = [row(T0 + i * 120, "+77011112222", f"+7705{i * 3:07d}", duration=100) for i in range(10)]
    assert analyze(rows, profile)[0] == []


def test_a_dialler_walking_consecutive_numbers_is_sequential():
    rows = [row(T0 + i * 20, "+77011112222", f"+770500{i + 95:05d}", duration=10) for i in range(12)]
    found, _, _ = analyze(rows)
    [finding] = [f for f in found if "consecutive" in f.detail]
    assert finding.calls == 10
    assert finding.detail.endswith("the last +77050000104")  # the run went on past ...099 -> ...100


def test_one_ring_calls_to_many_subscribers_are_wangiri():
    rows = [row(T0 + i * 10, "+88234567890", f"+7705{i * 11:07d}", 2, 0, "international") for i in range(50)]
    found, _, _ = analyze(rows)
    assert [(f.pattern, f.severity, f.calls) for f in found if f.number == "+88234567890"] == [
        ("wangiri", "warning", 20),
        ("wangiri", "critical", 50),
    ]
    # answered calls, or calls that rang long, are not one-ring attempts
    for duration, answered in ((2, 1), (25, 0)):
        rows = [row(T0 + i * 10, "+88234567890", f"+7705{i * 11:07d}", duration, answered) for i in range(50)]
        assert not [f for f in analyze(rows)[0] if f.pattern == "wangiri"]


def test_a_block_of_foreign_numbers_rotating_through_one_ring_calls_is_a_wangiri_range():
    profile = Profile(wangiri=Wangiri(range_distinct_callees=Levels(30, 60)))
    rows = [
        row(T0 + i * 5, f"+37123450{(i * 37) % 1000:03d}", f"+7705{i * 13:07d}", 3, 0, "international")
        for i in range(60)
    ]
    found, _, _ = analyze(rows, profile)
    ranges = [f for f in found if f.number.endswith("*")]
    assert [(f.number, f.severity) for f in ranges] == [("+37123450*", "warning"), ("+37123450*", "critical")]
    assert normalize_phone_range(ranges[0].number) == ranges[0].number, "a range the center can list"
    assert "numbers of the block" in ranges[0].detail
    # the same calls between home numbers are neighbours, not a range
    home = [row(T0 + i * 5, f"+7701234{(i * 37) % 1000:03d}", f"+7705{i * 13:07d}", 3, 0) for i in range(60)]
    assert not [f for f in analyze(home, profile)[0] if f.number.endswith("*")]


def test_long_calls_to_a_premium_or_high_cost_destination_are_irsf():
    rows = [row(T0 + i * 400, f"+7701000000{i}", "+78091234567", duration=900) for i in range(4)]
    found, _, _ = analyze(rows)
    irsf = [f for f in found if f.pattern == "irsf"]
    # three long calls reach the calls rule, the fourth brings the minutes to an hour
    assert [(f.number, f.severity, f.calls) for f in irsf] == [
        ("+78091234567", "warning", 3),
        ("+78091234567", "warning", 4),
    ]
    assert irsf[0].detail.startswith("3 long calls (45 min) to a premium-rate destination from 3 number(s)")
    profile = Profile()
    profile = replace(profile, irsf=replace(profile.irsf, high_cost_prefixes=("+882",)))
    rows = [row(T0 + i * 400, "+77010000001", "+88234567890", duration=1200) for i in range(3)]
    found, _, _ = analyze(rows, profile)
    assert [(f.pattern, f.severity) for f in found] == [("irsf", "warning"), ("irsf", "warning")]  # calls, minutes
    assert "high-cost destination" in found[0].detail
    # short calls to the same destination are not IRSF
    rows = [row(T0 + i * 400, "+77010000001", "+78091234567", duration=60) for i in range(10)]
    assert analyze(rows)[0] == []


def test_an_official_number_from_abroad_is_spoofed_cli_and_from_home_is_not():
    rows = [row(T0 + i, "+77272585965", f"+7705{i:07d}", trunk="international") for i in range(3)]
    found, _, _ = analyze(rows)
    assert patterns(found) == [("+77272585965", "spoofed_cli", "warning"), ("+77272585965", "spoofed_cli", "critical")]
    rows = [row(T0 + i, "87272585965", f"+7705{i:07d}") for i in range(5)]
    assert analyze(rows)[0] == []


def test_a_busy_number_fanning_out_and_never_called_is_a_simbox_hint():
    profile = Profile(simbox=Simbox(min_calls=40, distinct_callees=Levels(30, 90)))
    simbox = [row(T0 + i * 60, "+77013334444", f"+7705{i * 17:07d}") for i in range(80)]
    found, _, _ = analyze(simbox, profile)
    [finding] = [f for f in found if f.pattern == "simbox"]
    assert finding.severity == "warning"
    assert "never called" in finding.detail
    # the same number, called back once while it is watched: a person, not a SIM box
    called_back = [*simbox[:20], row(T0 + 20 * 60 + 1, "+77019999999", "+77013334444"), *simbox[20:]]
    assert not [f for f in analyze(called_back, profile)[0] if f.pattern == "simbox"]
    # a call centre calling the same customers again and again
    repeats = [row(T0 + i * 60, "+77013334444", f"+7705{i % 10:07d}") for i in range(80)]
    assert not [f for f in analyze(repeats, profile)[0] if f.pattern == "simbox"]


def test_home_numbers_arriving_on_the_international_trunk_are_a_simbox_hint():
    rows = [row(T0 + i * 60, "+77015556677", f"+7705{i * 17:07d}", trunk="international") for i in range(20)]
    found, _, _ = analyze(rows)
    assert patterns(found) == [("+77015556677", "simbox", "warning")]
    assert "arrived on the international trunk 20 times" in found[0].detail


def test_a_withheld_caller_is_a_call_but_no_number():
    rows = [row(T0 + i * 400, "anonymous", "+78091234567", duration=900) for i in range(3)]
    rows += [row(T0 + 2000 + i, "", f"+7705{i:07d}") for i in range(100)]
    found, problems, _ = analyze(rows)
    assert problems == []
    assert [f.pattern for f in found] == ["irsf"]
    assert "a withheld number" in found[0].detail


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["x", "+77010000001", "+77050000001", "60", "1", "domestic"], "start is 'x'"),
        (["2026-12-01T10:00:00", "+77010000001", "+77050000001", "60", "1", "domestic"], "no time zone"),
        ([str(T0), "+77010000001", "+77050000001", "-5", "1", "domestic"], "duration_s is '-5'"),
        ([str(T0), "+77010000001", "+77050000001", "99999999", "1", "domestic"], "longer than a week"),
        ([str(T0), "+77010000001", "+77050000001", "60", "yes", "domestic"], "answered is 'yes'"),
        ([str(T0), "+77010000001", "+77050000001", "60", "1", "satellite"], "trunk is 'satellite'"),
        ([str(T0), "+77010000001", "anonymous", "60", "1", "domestic"], "callee is 'anonymous'"),
        ([str(T0), "+7701", "+77050000001", "60", "1", "domestic"], "caller:"),
        ([str(T0), "+77010000001", "+77050000001"], "the row has 3 fields"),
    ],
)
def test_a_malformed_row_is_reported_and_skipped(fields, message):
    good = row(T0, "+77011112222", "+77050000002")
    _, problems, analyzer = analyze([fields, good])
    assert len(problems) == 1
    assert message in problems[0]
    assert (analyzer.records, analyzer.invalid) == (2, 1)


def test_rfc3339_and_fractional_epoch_starts_are_read():
    rows = [
        ["2026-12-01T10:00:00Z", "+77011112222", "+77050000001", "1", "0", "international"],
        ["2026-12-01T15:00:01+05:00", "+77011112222", "+77050000002", "1", "0", "international"],
        ["1764583202.5", "+77011112222", "+77050000003", "1", "0", "international"],
    ]
    profile = Profile(wangiri=Wangiri(distinct_callees=Levels(3, 3)))
    found, problems, _ = analyze(rows, profile)
    assert problems == []
    assert [f.calls for f in found] == [3], "three calls within two seconds, in one window"


def test_a_header_without_the_required_columns_is_refused():
    with pytest.raises(InvalidRecord, match="the header lacks callee, trunk"):
        analyze([], header=["start", "caller", "duration_s", "answered"])


def test_extra_columns_and_their_order_do_not_matter():
    header = ["trunk", "cell", "answered", "callee", "duration_s", "start", "caller", "imsi"]
    rows = [["international", "ALM1", "1", f"+7705{i:07d}", "60", str(T0 + i), "+77272585965", "x"] for i in range(3)]
    found, problems, _ = analyze(rows, header=header)
    assert problems == []
    assert [f.pattern for f in found] == ["spoofed_cli", "spoofed_cli"]


def test_state_stays_bounded_by_the_cap_and_idle_numbers_leave():
    profile = replace(Profile(), max_tracked_numbers=1000)
    rows = (
        [row(T0 + i // 100, f"+7701{i:07d}", "+77050000001"), row(T0 + i // 100, f"+7701{i:07d}", "+7705000002")]
        for i in range(50_000)
    )
    analyzer = CallAnalyzer(profile)
    list(analyzer.analyze(HEADER, (r for pair in rows for r in pair), lambda _: None))
    assert analyzer.tracked <= 1000 + 8192
    # two days later, a sweep drops every number that has been idle since
    list(analyzer.analyze(HEADER, [row(T0 + 200_000 + i, "+77019999999", "+77050000001") for i in range(8192)], print))
    assert analyzer.tracked <= 2


@given(st.lists(st.lists(st.text(alphabet="+0123456789-Tadegilmnorstu: .Z", max_size=14), min_size=0, max_size=8)))
@settings(max_examples=200, deadline=None)
def test_any_row_is_a_call_or_a_reason_never_a_crash(rows):
    _, problems, analyzer = analyze(rows)
    assert analyzer.records == len(rows)
    assert analyzer.invalid == len(problems)
    assert all(re.match(r"\S", p) for p in problems)
