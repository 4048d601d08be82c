"""`antifraud cdr analyze FILE|-`: call records in, one JSON finding per line out (DESIGN.md contract).

The file is streamed through the pure analyzer (antifraud.calls): memory follows the busiest window
of the file, not its length. A malformed row is reported on stderr with its line number and skipped.
With an intake, findings are also sent to the center as reports, in batches, as they are found.

Exit status: 0, or 1 when any row was skipped (the contract); 2 when the input has no usable header;
4 when findings could not be submitted.
"""

from __future__ import annotations

import csv
import gc
from typing import Protocol, TextIO

from antifraud.calls import CallAnalyzer, Finding, InvalidRecord, RecordParser
from antifraud.calls.findings import CATEGORY_OF
from antifraud.domain.errors import AntifraudError

EXIT_OK = 0
EXIT_ROWS_SKIPPED = 1
EXIT_UNUSABLE = 2  # no header, or a header without the columns the contract requires
EXIT_NOT_SUBMITTED = 4
BATCH = 1000  # reports per POST /v1/reports (the API's limit)


class ReportSink(Protocol):
    async def submit(self, reports: list[dict[str, str]]) -> None:
        """Send one batch; raise antifraud.domain.errors.AntifraudError when it could not be delivered."""
        ...


def report_of(finding: Finding) -> dict[str, str]:
    """A finding as a report of the operator's key: the category it points to, its evidence as the comment.
    A range (`+7701234*`) is reported as a phone value ending in `*`."""
    return {
        "type": "phone",
        "value": finding.number,
        "category": CATEGORY_OF[finding.pattern],
        "comment": f"call records, {finding.pattern} ({finding.severity}, {finding.calls} calls): {finding.detail}",
    }


async def analyze_stream(
    stream: TextIO, analyzer: CallAnalyzer, out: TextIO, err: TextIO, intake: ReportSink | None = None
) -> int:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        err.write("the input is empty: a call record file starts with a header line naming its columns\n")
        return EXIT_UNUSABLE
    except csv.Error as exc:
        err.write(f"line 1: the header is not CSV: {exc}\n")
        return EXIT_UNUSABLE
    unreadable = 0

    def invalid(message: str) -> None:
        err.write(f"line {reader.line_num}: {message}\n")

    def not_csv(exc: csv.Error) -> None:
        nonlocal unreadable
        unreadable += 1
        err.write(f"line {reader.line_num}: not CSV: {exc}\n")

    try:
        RecordParser(header)
    except InvalidRecord as exc:
        err.write(f"line 1: {exc.message}\n")
        return EXIT_UNUSABLE
    pending: list[dict[str, str]] = []
    failed = 0
    write = out.write
    # The analyzer's state is millions of small lists and tuples without cycles: the cyclic garbage
    # collector would walk them again and again for nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while True:  # a line the CSV reader cannot read ends one pass; the next pass goes on after it
            try:
                for finding in analyzer.analyze(header, reader, invalid):
                    write(finding.to_json() + "\n")
                    if intake is not None:
                        pending.append(report_of(finding))
                        if len(pending) >= BATCH:
                            failed += await _submit(intake, pending, err)
                            pending = []
            except csv.Error as exc:
                not_csv(exc)
                continue
            break
        if intake is not None and pending:
            failed += await _submit(intake, pending, err)
    finally:
        if gc_was_enabled:
            gc.enable()
    out.flush()
    if failed:
        err.write(f"{failed} finding(s) could not be submitted to the center\n")
        return EXIT_NOT_SUBMITTED
    return EXIT_ROWS_SKIPPED if analyzer.invalid or unreadable else EXIT_OK


async def _submit(intake: ReportSink, reports: list[dict[str, str]], err: TextIO) -> int:
    try:
        await intake.submit(reports)
    except AntifraudError as exc:
        err.write(f"submitting {len(reports)} finding(s) failed: {exc.message}\n")
        return len(reports)
    return 0
