"""`antifraud import`: a list from a file, in chunks of one transaction each, with a progress bar.

Each chunk takes the intake path (or, with --block, one audited analyst decision over the chunk), so an
import is scored, audited, counted and published like any report. Memory stays flat whatever the size
of the file: a chunk is read, committed, and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from antifraud.domain.errors import InvalidInput
from antifraud.domain.model import Action, Category, IndicatorType
from antifraud.services.intake import ReportAccepted, ReportInput

CHUNK = 5000  # reports per transaction: each is scored, so a chunk is seconds of work at most
BLOCK_CHUNK = 20_000  # listings per transaction: large chunks write each index page once per chunk
IN_FLIGHT = 2


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


def _chunks(stream: IO[str], size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for item in _numbered(stream):
        chunk.append(item)
        if len(chunk) >= size:
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
    reason = f"{args.reason} (imported from {args.source})" if args.block else ""

    async def one(chunk: list[tuple[int, str]]) -> tuple[int, int, int, list[str]]:
        """(accepted, decided, rejected, messages) of one chunk."""
        messages: list[str] = []
        if args.block:
            # a migrated list is an analyst's decision over every line: listed at once, audited, not
            # scored line by line (the decision, not the heuristics, is what lists it)
            outcome = await center.decisions.decide_many(
                analyst, kind, [v for _, v in chunk], Action.BLOCK, reason, category
            )
            numbers = {v: n for n, v in chunk}
            messages = [f"line {numbers.get(v, '?')}: not listed: {v[:200]}: {why}" for v, why in outcome.refused]
            return 0, outcome.decided, len(outcome.refused), messages
        inputs = [ReportInput(kind, v, category, source=args.source) for _, v in chunk]
        results = await center.intake.submit(operator, inputs)
        good = 0
        for (number, _), result in zip(chunk, results, strict=True):
            if isinstance(result, ReportAccepted):
                good += 1
            else:
                messages.append(f"line {number}: {result.message}")
        return good, 0, len(chunk) - good, messages

    # Two chunks in flight: while SQLite writes one in its thread, the next is prepared here.
    in_flight: deque[tuple[asyncio.Task[tuple[int, int, int, list[str]]], int]] = deque()

    async def settle() -> None:
        nonlocal accepted, decided, rejected
        task, last_line = in_flight.popleft()
        good, listed, bad, messages = await task
        accepted, decided, rejected = accepted + good, decided + listed, rejected + bad
        for message in messages:
            sys.stderr.write(message + "\n")
        bar.update(last_line - bar.n if total is not None else good + listed + bad)

    try:
        for chunk in _chunks(stream, BLOCK_CHUNK if args.block else CHUNK):
            in_flight.append((asyncio.create_task(one(chunk)), chunk[-1][0]))
            if len(in_flight) >= IN_FLIGHT:
                await settle()
        while in_flight:
            await settle()
    finally:
        if path is not None:
            stream.close()
        bar.close()
    if args.block:
        sys.stderr.write(f"listed {decided} from {args.source} as decided by {analyst}; {rejected} lines refused\n")
        return 0 if decided or not rejected else 1
    sys.stderr.write(f"imported {accepted} reports from {args.source}; {rejected} lines rejected\n")
    return 0 if accepted or not rejected else 1
