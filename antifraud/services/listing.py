"""Applying a policy transition to a record: its state, dates, origin, the audit entry and the counters.

Pure: it changes the record copy and the change set it is given, nothing else. The counters
(`decisions_total`) are written into the change set, so they are counted exactly when the change
commits, by whichever process commits it.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from antifraud.domain.model import Category, DecisionOrigin, IndicatorKey, ListingState
from antifraud.domain.policy import Transition
from antifraud.ports import AuditRecord, ChangeSet, IndicatorRecord

DECISIONS = "decisions_total"
REPORTS = "reports_total"
LISTING_CHANGES = "listing_changes_total"


def apply_transition(
    record: IndicatorRecord,
    transition: Transition,
    actor: str,
    now: datetime,
    changes: ChangeSet,
    *,
    first_report_at: datetime | None = None,
) -> None:
    before = record.state
    record.state = transition.to_state
    record.state_changed_at = now
    if transition.category is not None:
        record.category = transition.category
    if transition.to_state is ListingState.LISTED:
        if before is not ListingState.LISTED:
            record.listed_at = now
            record.first_report_at = first_report_at or now
        record.expires_at = transition.expires_at
        if transition.origin is DecisionOrigin.ANALYST or before is not ListingState.LISTED:
            record.origin = transition.origin
    elif before is ListingState.LISTED:
        record.expires_at = None
        record.origin = None
    # every analyst decision counts (confirming a listing is a decision too); automation counts changes
    if before is not transition.to_state or transition.origin is DecisionOrigin.ANALYST:
        changes.count(DECISIONS, record.key.type.value, transition.verdict.value, transition.origin.value)
    if before is not transition.to_state and ListingState.LISTED in (before, transition.to_state):
        changes.count(LISTING_CHANGES, record.key.list_kind.value)
    changes.audit.append(
        AuditRecord(
            at=now,
            actor=actor,
            action=f"{transition.origin.value}:{transition.verdict.value}",
            key=record.key,
            from_state=before.value,
            to_state=transition.to_state.value,
            reason=transition.reason,
            details_json=_details(record.score, record.category),
        )
    )


@lru_cache(maxsize=2048)
def _details(score: int, category: Category | None) -> str:
    return json.dumps({"score": score, "category": category})


def new_record(key: IndicatorKey, display: str, now: datetime) -> IndicatorRecord:
    return IndicatorRecord(key=key, display=display, first_seen=now, state_changed_at=now)
