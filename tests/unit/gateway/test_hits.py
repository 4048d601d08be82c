"""Kamailio's never-reset hit counters become interval batches, each count reported once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from workers.gateway.hits import MAX_ENTRIES, MAX_PENDING, HitsLedger

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
BOOT = "Fri Dec  4 09:00:00 2026"


def test_the_first_reading_is_a_baseline_and_the_next_reports_the_increase():
    ledger = HitsLedger()
    assert ledger.observe({"+77011234567": 5}, BOOT, 3600, T0) is None
    batch = ledger.observe({"+77011234567": 7, "+7701999*": 2}, BOOT, 3660, T0 + timedelta(minutes=1))
    assert batch == {
        "list": "phones",
        "interval_start": "2026-12-04T10:00:00Z",
        "interval_end": "2026-12-04T10:01:00Z",
        "total": 4,
        "entries": [{"value": "+77011234567", "hits": 2}, {"value": "+7701999*", "hits": 2}],
    }
    assert ledger.pending == [batch]


def test_nothing_refused_means_no_batch():
    ledger = HitsLedger()
    ledger.observe({"+77011234567": 5}, BOOT, 3600, T0)
    assert ledger.observe({"+77011234567": 5}, BOOT, 3660, T0 + timedelta(minutes=1)) is None
    assert ledger.pending == []


def test_a_counter_that_expired_and_came_back_counts_from_zero():
    ledger = HitsLedger()
    ledger.observe({"+77011234567": 50}, BOOT, 3600, T0)
    batch = ledger.observe({"+77011234567": 3}, BOOT, 3660, T0 + timedelta(minutes=1))
    assert batch is not None
    assert batch["entries"] == [{"value": "+77011234567", "hits": 3}]


def test_after_a_kamailio_restart_every_count_is_new_since_its_start():
    ledger = HitsLedger()
    ledger.observe({"+77011234567": 50}, BOOT, 3600, T0)
    later = T0 + timedelta(minutes=10)
    batch = ledger.observe({"+77011234567": 4}, "Fri Dec  4 10:08:00 2026", 120, later)
    assert batch is not None
    assert batch["interval_start"] == "2026-12-04T10:08:00Z"
    assert batch["total"] == 4


def test_a_batch_not_accepted_waits_as_it_was_and_the_next_interval_follows_it():
    ledger = HitsLedger()
    ledger.observe({}, BOOT, 60, T0)
    first = ledger.observe({"+77011234567": 1}, BOOT, 120, T0 + timedelta(minutes=1))
    second = ledger.observe({"+77011234567": 3}, BOOT, 180, T0 + timedelta(minutes=2))
    assert ledger.pending == [first, second]
    assert first is not None
    assert second is not None
    assert second["interval_start"] == first["interval_end"]
    ledger.accepted(first)
    assert ledger.pending == [second]
    ledger.accepted(first)  # a stale acknowledgement changes nothing
    assert ledger.pending == [second]


def test_two_readings_in_one_second_do_not_make_an_empty_interval():
    ledger = HitsLedger()
    ledger.observe({}, BOOT, 60, T0)
    assert ledger.observe({"+77011234567": 1}, BOOT, 60, T0 + timedelta(milliseconds=400)) is None
    batch = ledger.observe({"+77011234567": 1}, BOOT, 61, T0 + timedelta(seconds=1))
    assert batch is not None
    assert batch["total"] == 1


def test_a_huge_batch_keeps_the_most_refused_values_and_the_whole_total():
    ledger = HitsLedger()
    ledger.observe({}, BOOT, 60, T0)
    counters = {f"+7701{i:07d}": 1 for i in range(MAX_ENTRIES + 5)} | {"+77770000000": 9}
    batch = ledger.observe(counters, BOOT, 120, T0 + timedelta(minutes=1))
    assert batch is not None
    assert len(batch["entries"]) == MAX_ENTRIES
    assert batch["entries"][0] == {"value": "+77770000000", "hits": 9}
    assert batch["total"] == MAX_ENTRIES + 5 + 9


def test_a_center_away_for_weeks_costs_the_oldest_batches_only():
    ledger = HitsLedger()
    ledger.observe({}, BOOT, 60, T0)
    for minute in range(1, MAX_PENDING + 3):
        ledger.observe({"+77011234567": minute}, BOOT, 60 + minute * 60, T0 + timedelta(minutes=minute))
    assert len(ledger.pending) == MAX_PENDING
    assert ledger.dropped == 2


def test_an_interval_never_exceeds_what_the_center_accepts():
    ledger = HitsLedger()
    ledger.observe({}, BOOT, 60, T0)
    batch = ledger.observe({"+77011234567": 1}, BOOT, 60, T0 + timedelta(days=30))
    assert batch is not None
    assert batch["interval_start"] == "2026-12-27T10:00:00Z"


def test_the_ledger_survives_a_restart_of_the_agent():
    ledger = HitsLedger()
    ledger.observe({"+77011234567": 5}, BOOT, 3600, T0)
    ledger.observe({"+77011234567": 6}, BOOT, 3660, T0 + timedelta(minutes=1))
    again = HitsLedger.from_json(ledger.to_json())
    assert again == ledger
    batch = again.observe({"+77011234567": 8}, BOOT, 3720, T0 + timedelta(minutes=2))
    assert batch is not None
    assert batch["total"] == 2


@given(
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers()))
    )
)
def test_an_unreadable_ledger_starts_afresh(document):
    ledger = HitsLedger.from_json(document)
    assert isinstance(ledger, HitsLedger)


@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 50)), min_size=2, max_size=12))
def test_counts_reported_add_up_to_the_increase_of_monotonic_counters(readings):
    # counters that only grow (Kamailio's, between restarts and expiries): every increase is reported once
    running: dict[str, int] = {}
    monotonic = []
    for reading in readings:
        for key, value in reading.items():
            running[key] = running.get(key, 0) + value
        monotonic.append(dict(running))
    ledger = HitsLedger()
    reported = 0
    for minute, counters in enumerate(monotonic):
        batch = ledger.observe(counters, BOOT, 60, T0 + timedelta(minutes=minute))
        reported += batch["total"] if batch else 0
    assert reported == sum(monotonic[-1].values()) - sum(monotonic[0].values())
