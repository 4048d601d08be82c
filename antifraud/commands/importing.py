"""`antifraud import`: a list from a file, in chunks of one transaction each, with a progress bar.

Each chunk takes the intake path (or, with --block, one audited analyst decision over the chunk), so an
import is scored, audited, counted and published like any report. Memory stays flat whatever the size
of the file: a chunk is read, committed, and dropped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from antifraud.domain.errors import InvalidInput
from antifraud.domain.model import Action, Category, IndicatorType
from antifraud.services.intake import ReportAccepted, ReportInput

CHUNK = 5000


def count_lines(path: Path) -> int:
    """Lines in a file, counted in binary chunks (a million lines in a few milliseconds)."""
    total = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            total += block.count(b"\n")
    return total


def _numbered(stream: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, start=1):
        value = line.strip()
        if value and not value.startswith("#"):
            yield number, value


def _chunks(stream: IO[str]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for item in _numbered(stream):
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def run_import(center: Any, args: argparse.Namespace, analyst: str) -> int:
    if args.block and not (args.reason or "").strip():
        raise InvalidInput("--block needs --reason: every listing is an audited decision", field="reason")
    kind, category = IndicatorType(args.type), Category(args.category)
    operator = await center.store.ensure_operator(args.source)
    path = None if args.file == "-" else Path(args.file)
    total = count_lines(path) if path is not None else None
    bar = tqdm(desc="import", unit=" lines", total=total, disable=args.no_progress, file=sys.stderr, smoothing=0.1)
    accepted = rejected = decided = 0
    stream = sys.stdin if path is None else path.open(encoding="utf-8", errors="replace")
    try:
        for chunk in _chunks(stream):
            results = await center.intake.submit(
                operator, [ReportInput(kind, v, category, source=args.source) for _, v in chunk]
            )
            good: list[str] = []
            for (number, value), result in zip(chunk, results, strict=True):
                if isinstance(result, ReportAccepted):
                    accepted += 1
                    good.append(value)
                else:
                    rejected += 1
                    sys.stderr.write(f"line {number}: {result.message}\n")
            if args.block and good:
                outcome = await center.decisions.decide_many(analyst, kind, good, Action.BLOCK, args.reason, category)
                decided += outcome.decided
                for value, why in outcome.refused:
                    sys.stderr.write(f"not blocked: {value}: {why}\n")
            bar.update(chunk[-1][0] - bar.n if total is not None else len(chunk))
    finally:
        if path is not None:
            stream.close()
        bar.close()
    blocked = f"; {decided} listed by {analyst}" if args.block else ""
    sys.stderr.write(f"imported {accepted} reports from {args.source}; {rejected} lines rejected{blocked}\n")
    return 0 if accepted or not rejected else 1
