"""Signals from the reports themselves: independent operators saying the same thing is evidence."""

from __future__ import annotations

from antifraud.domain.model import Signal

# One report is a claim, not proof: it adds little on its own. Each further independent operator adds
# more; the policy lists at N distinct operators regardless of score, so these weights only help a
# lexical or content signal over the line sooner.
_PER_EXTRA_OPERATOR = 15
_MAX = 45


def report_signals(distinct_operators: int, reports: int) -> list[Signal]:
    if distinct_operators <= 0:
        return []
    if distinct_operators == 1:
        detail = "reported by 1 operator" + (f" ({reports} reports)" if reports > 1 else "")
        return [Signal("reported", 5, detail)]
    weight = min(_MAX, 5 + _PER_EXTRA_OPERATOR * (distinct_operators - 1))
    return [
        Signal("reported_by_many", weight, f"reported by {distinct_operators} distinct operators ({reports} reports)")
    ]
