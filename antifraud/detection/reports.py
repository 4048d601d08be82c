"""Signals from the reports themselves: independent operators saying the same thing is evidence.

The services count reports and distinct reporting operators in their window and pass these signals
to the detector as `extra`, so the listing policy and the score agree on what reports are worth.
"""

from __future__ import annotations

from antifraud.domain.errors import InvalidInput
from antifraud.domain.model import Signal

# One report is a claim, not proof: it adds little on its own. Each further independent operator adds
# more; the policy lists at N distinct operators regardless of score, so these weights only help a
# lexical or content signal over the line sooner. Repeats by the same operator add nothing.
SINGLE_OPERATOR = 5
PER_EXTRA_OPERATOR = 15
MAX_REPORT_WEIGHT = 45


def report_signals(distinct_operators: int, reports: int) -> list[Signal]:
    if distinct_operators < 0 or reports < 0:
        raise InvalidInput(f"report counts cannot be negative (operators={distinct_operators}, reports={reports})")
    if distinct_operators == 0:
        return []
    reports = max(reports, distinct_operators)
    if distinct_operators == 1:
        detail = "reported by 1 operator" + (f" ({reports} reports)" if reports > 1 else "")
        return [Signal("reported", SINGLE_OPERATOR, detail)]
    weight = min(MAX_REPORT_WEIGHT, SINGLE_OPERATOR + PER_EXTRA_OPERATOR * (distinct_operators - 1))
    return [
        Signal("reported_by_many", weight, f"reported by {distinct_operators} distinct operators ({reports} reports)")
    ]
