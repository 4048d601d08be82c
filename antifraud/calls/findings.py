"""A finding: a number (or a range, `+7701234*`) that reached a threshold of a pattern.

Contract (DESIGN.md): one JSON object per line, keys in this order:
`{"number", "pattern", "severity", "calls", "detail"}`.
"""

from __future__ import annotations

import json
from typing import NamedTuple

PATTERNS = ("velocity", "wangiri", "irsf", "spoofed_cli", "simbox")
# The category a finding is reported under when it is sent to intake (`--submit`).
CATEGORY_OF = {
    "spoofed_cli": "spoofed_call",
    "wangiri": "wangiri",
    "velocity": "other",
    "irsf": "other",
    "simbox": "other",
}


class Finding(NamedTuple):
    number: str
    pattern: str
    severity: str  # "warning" or "critical"
    calls: int  # calls behind the finding (in its window)
    detail: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "number": self.number,
                "pattern": self.pattern,
                "severity": self.severity,
                "calls": self.calls,
                "detail": self.detail,
            },
            ensure_ascii=False,
        )
