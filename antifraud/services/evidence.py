"""Evidence: the center's own findings (DNS probes, crawled pages) and liveness re-probes.

Findings replace the same source's earlier ones on the record, join the assessment and can list or
queue the indicator (policy.on_evidence). Indicators found alongside (numbers and wallets on a page)
are linked to it in the same change set; when the site is listed they go to review, and their check
answers name the site.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from antifraud.detection import report_signals
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import (
    Assessment,
    Category,
    DecisionOrigin,
    IndicatorKey,
    IndicatorType,
    ListingState,
    Signal,
    Verdict,
)
from antifraud.domain.normalize import NormalizedIndicator
from antifraud.domain.policy import Transition, dominant_category, on_evidence, on_liveness
from antifraud.ports import AuditRecord, ChangeSet, Clock, IndicatorRecord, LinkRecord
from antifraud.services.assessment import Assessor, Policy, evidence_signals, signals_json
from antifraud.services.listing import apply_transition, new_record
from antifraud.services.repository import IndicatorRepository

LIFTING_TYPES = frozenset({IndicatorType.PHONE, IndicatorType.WALLET})


class Evidence:
    def __init__(self, repository: IndicatorRepository, assessor: Assessor, policy: Policy, clock: Clock) -> None:
        self.repository = repository
        self.assessor = assessor
        self.policy = policy
        self.clock = clock

    def _linked_signals(self, found: Sequence[NormalizedIndicator]) -> list[Signal]:
        """A site that advertises a number or wallet the center already lists is more likely a scam."""
        signals = []
        for norm in found:
            known = self.assessor.read_model.get(norm.key)
            if known is not None and known.listed and norm.key.type in LIFTING_TYPES:
                signals.append(
                    Signal(
                        "advertises_listed", 35, f"advertises {norm.key.value}, listed as {known.category or 'fraud'}"
                    )
                )
        return signals[:3]

    async def record(
        self,
        kind: IndicatorType,
        value: str,
        source: str,
        signals: Sequence[Signal],
        *,
        links: Sequence[tuple[IndicatorType, str, str]] = (),
        facts: Mapping[str, object] | None = None,
    ) -> IndicatorRecord:
        """Findings of a probe (`source`: dns, crawl, ...) about an indicator; `links` are (type, value,
        relation) of indicators found alongside, such as phone numbers on a page; `facts` are what the
        probe saw, for an analyst (a page's title, its certificate, the addresses a name resolves to)."""
        norm = self.assessor.normalize(kind, value)
        linked: list[tuple[NormalizedIndicator, str]] = []
        for link_type, link_value, relation in links:
            try:
                linked.append((self.assessor.normalize(link_type, link_value), relation))
            except InvalidIndicator:
                continue
        now = self.clock.now()
        lifting = self._linked_signals([n for n, _ in linked])

        def step(records: dict[IndicatorKey, IndicatorRecord]) -> tuple[ChangeSet, IndicatorRecord]:
            changes = ChangeSet()
            record = records.get(norm.key) or new_record(norm.key, norm.display, now)
            evidence = json.loads(record.evidence_json)
            evidence[source] = {"at": now.isoformat(), "signals": [_signal_json(s) for s in (*signals, *lifting)]}
            if facts:
                evidence[source]["facts"] = dict(facts)
            record.evidence_json = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
            assessment = self._reassess(record, norm, now)
            changes.audit.append(
                AuditRecord(
                    now,
                    f"probe:{source}",
                    f"evidence:{source}",
                    norm.key,
                    record.state.value,
                    record.state.value,
                    "; ".join(s.detail for s in signals[:5]) or "nothing found",
                )
            )
            category = dominant_category((Category(c) for c in record.categories), assessment.category)
            transition = on_evidence(
                record.state,
                assessment,
                category,
                self.policy.rules,
                now,
                analyst_locked=record.analyst_locked,
            )
            if transition is not None:
                apply_transition(record, transition, f"probe:{source}", now, changes, first_report_at=now)
            changes.indicators.append(record)
            for target_norm, relation in linked:
                target = records.get(target_norm.key) or new_record(target_norm.key, target_norm.display, now)
                if record.state is ListingState.LISTED and target.state in {
                    ListingState.CANDIDATE,
                    ListingState.EXPIRED,
                }:
                    to_review = Transition(
                        ListingState.REVIEW,
                        DecisionOrigin.AUTO,
                        Verdict.REVIEW,
                        f"{relation.replace('_', ' ')} {norm.key.value}, a listed site",
                        None,
                        record.category,
                    )
                    apply_transition(target, to_review, "policy:links", now, changes)
                changes.indicators.append(target)
                changes.links.append(LinkRecord(norm.key, target_norm.key, relation, now))
            return changes, record

        keys = [norm.key, *(n.key for n, _ in linked)]
        result, _ = await self.repository.transact(keys, step)
        return result

    def _reassess(self, record: IndicatorRecord, norm: NormalizedIndicator, now: datetime) -> Assessment:
        window_start = now - self.policy.report_window
        recent = [op for op, at in record.reporters if at >= window_start]
        extra = [*report_signals(len(set(recent)), len(recent)), *evidence_signals(record)]
        assessment = self.assessor.assess(norm, extra)
        record.score, record.verdict = assessment.score, assessment.verdict.value
        record.signals_json = signals_json(assessment.signals)
        return assessment

    async def liveness(self, kind: IndicatorType, value: str, *, alive: bool, detail: str) -> IndicatorRecord:
        """A re-probe of a listed site: dead long enough, it leaves the list; back online, it returns."""
        norm = self.assessor.normalize(kind, value)
        now = self.clock.now()

        def step(records: dict[IndicatorKey, IndicatorRecord]) -> tuple[ChangeSet, IndicatorRecord]:
            record = records.get(norm.key) or new_record(norm.key, norm.display, now)
            evidence = json.loads(record.evidence_json)
            state = evidence.get("liveness", {})
            if alive:
                state.pop("dead_since", None)
                state["last_alive"] = now.isoformat()
            else:
                state.setdefault("dead_since", now.isoformat())
            state["detail"] = detail
            dead_since = datetime.fromisoformat(state["dead_since"]) if "dead_since" in state else None
            transition = on_liveness(
                record.state,
                alive,
                dead_since,
                bool(state.get("expired_as_dead")),
                self.policy.dead_after,
                record.category or Category.OTHER,
                self.policy.rules,
                now,
            )
            changes = ChangeSet(indicators=[record])
            if transition is not None:
                state["expired_as_dead"] = transition.to_state is ListingState.EXPIRED
                apply_transition(record, transition, "probe:liveness", now, changes, first_report_at=now)
            evidence["liveness"] = state
            record.evidence_json = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
            return changes, record

        result, _ = await self.repository.transact([norm.key], step)
        return result


def _signal_json(s: Signal) -> dict[str, object]:
    return {"name": s.name, "weight": s.weight, "detail": s.detail}
