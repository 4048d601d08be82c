"""Retry decisions and job records: pure, no event loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.domain.errors import ConfigError, InvalidInput
from antifraud.jobs import ClaimRequest, Job, JobState, NewJob, Park, Retry, RetryPolicy, decide_failure
from antifraud.jobs.model import MAX_REASON_LENGTH, LeaseLost, clip_reason
from antifraud.jobs.policy import lost_lease_reason

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def test_backoff_doubles_from_the_base_without_jitter():
    policy = RetryPolicy(base_delay_seconds=10, factor=2, max_delay_seconds=1000, jitter=0)
    assert [policy.delay(n, 0.3) for n in range(1, 6)] == [10, 20, 40, 80, 160]


def test_backoff_is_capped():
    policy = RetryPolicy(base_delay_seconds=10, factor=2, max_delay_seconds=60, jitter=0)
    assert policy.delay(4, 0.0) == 60
    assert policy.delay(10_000, 0.0) == 60  # no float overflow for absurd attempt counts


def test_jitter_spreads_the_delay_both_ways():
    policy = RetryPolicy(base_delay_seconds=100, jitter=0.25, max_delay_seconds=1000)
    assert policy.delay(1, 0.0) == pytest.approx(75)
    assert policy.delay(1, 0.5) == pytest.approx(100)
    assert policy.delay(1, 0.999999) == pytest.approx(125, abs=0.001)


@given(attempts=st.integers(1, 200), rand=st.floats(0, 1, exclude_max=True))
def test_delay_stays_within_the_jittered_bounds(attempts, rand):
    policy = RetryPolicy(base_delay_seconds=5, factor=3, max_delay_seconds=3600, jitter=0.2)
    delay = policy.delay(attempts, rand)
    raw = min(3600, 5 * 3 ** min(attempts - 1, 64))
    assert raw * 0.8 <= delay <= raw * 1.2


def test_delay_refuses_nonsense_inputs():
    policy = RetryPolicy()
    with pytest.raises(ValueError, match="at least 1"):
        policy.delay(0, 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        policy.delay(1, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_delay_seconds": 0}, "base delay must be positive"),
        ({"factor": 0.5}, "factor must be at least 1"),
        ({"base_delay_seconds": 60, "max_delay_seconds": 10}, "below the base delay"),
        ({"jitter": 1.0}, "jitter"),
        ({"max_attempts": 0}, "max attempts"),
    ],
)
def test_policy_validation_says_what_is_wrong(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        RetryPolicy(**kwargs)


def test_failure_before_the_limit_is_retried_later():
    policy = RetryPolicy(base_delay_seconds=30, jitter=0)
    outcome = decide_failure(policy, attempts=2, max_attempts=5, reason="timeout", now=NOW, rand=0.1)
    assert outcome == Retry(at=NOW + timedelta(seconds=60), delay_seconds=60, reason="timeout")


def test_failure_at_the_limit_parks_with_the_reason():
    outcome = decide_failure(RetryPolicy(), attempts=5, max_attempts=5, reason="HTTP 500", now=NOW, rand=0.1)
    assert isinstance(outcome, Park)
    assert "failed 5 times" in outcome.reason
    assert "HTTP 500" in outcome.reason


def test_permanent_failure_parks_at_once():
    outcome = decide_failure(
        RetryPolicy(), attempts=1, max_attempts=5, reason="bad payload", now=NOW, rand=0.1, permanent=True
    )
    assert isinstance(outcome, Park)
    assert "permanently" in outcome.reason
    assert "bad payload" in outcome.reason


def test_reasons_are_clipped_and_never_empty():
    assert clip_reason("   ") == "no reason given"
    long = clip_reason("x" * 10_000)
    assert len(long) == MAX_REASON_LENGTH
    assert long.endswith("…")


def test_lost_lease_reason_mentions_the_earlier_error():
    text = lost_lease_reason(3, "MemoryError")
    assert "3 attempts" in text
    assert "MemoryError" in text


def test_new_job_validation():
    with pytest.raises(InvalidInput, match="job kind"):
        NewJob(kind="DNS probe")
    with pytest.raises(InvalidInput, match="max_attempts"):
        NewJob(kind="dns_probe", max_attempts=0)
    with pytest.raises(InvalidInput, match="time zone"):
        NewJob(kind="dns_probe", run_at=datetime(2026, 1, 1))  # noqa: DTZ001 - the mistake under test


def job(**changes):
    base = {
        "id": 1,
        "kind": "dns_probe",
        "payload": {},
        "state": JobState.PENDING,
        "attempts": 0,
        "max_attempts": 3,
        "run_at": NOW,
        "created_at": NOW,
    }
    return Job(**(base | changes))


def test_claimable_when_due_or_when_its_lease_expired():
    assert job().claimable(NOW)
    assert not job(run_at=NOW + timedelta(seconds=1)).claimable(NOW)
    running = job(state=JobState.RUNNING, lease_owner="w1", lease_expires_at=NOW + timedelta(seconds=5))
    assert not running.claimable(NOW)
    assert running.claimable(NOW + timedelta(seconds=5))
    assert not job(state=JobState.DONE).claimable(NOW)
    assert not job(state=JobState.PARKED).claimable(NOW)


def test_claim_request_skips_busy_groups_and_other_kinds():
    request = ClaimRequest("w1", frozenset({"dns_probe"}), 30, 5, busy_groups=frozenset({"kaspi-bonus.kz"}))
    assert request.wants(job(group="other.kz"))
    assert request.wants(job(group=None))
    assert not request.wants(job(group="kaspi-bonus.kz"))
    assert not request.wants(job(kind="crawl"))
    with pytest.raises(InvalidInput, match="lease_seconds"):
        ClaimRequest("w1", frozenset({"x"}), 0, 1)
    with pytest.raises(InvalidInput, match="worker_id"):
        ClaimRequest("", frozenset({"x"}), 1, 1)


def test_lease_lost_says_what_happened():
    error = LeaseLost(7, "w1")
    assert "job 7" in str(error)
    assert "w1" in str(error)
    assert "discarded" in str(error)
