"""Fraud found in call records (CDRs): the pure core of `antifraud cdr analyze` (docs/telecom.md).

CSV rows are fed in the order calls started; the analyzer keeps bounded state per
number (windows anchored at a number's first call of a burst, idle numbers evicted, a cap on how
many are tracked) and returns a finding the moment a number reaches a warning or critical threshold
of its profile. No I/O: the CLI streams the file and writes the findings.
"""

from antifraud.calls.analyzer import CallAnalyzer
from antifraud.calls.findings import Finding
from antifraud.calls.profiles import Profile, parse_profiles
from antifraud.calls.records import InvalidRecord, RecordParser

__all__ = ["CallAnalyzer", "Finding", "InvalidRecord", "Profile", "RecordParser", "parse_profiles"]
