"""Writing one list's files for a new version by patching the previous version's files.

For each format the file is `header + separator.join(runs) + footer`, one run per bucket
(blocklists.buckets). A bucket whose id is unchanged since the previous version has the same bytes as
before, at a known offset in the previous file: runs of such buckets are copied from that file by the
kernel (`copy_file_range`), and only the buckets that changed are rendered — each decoded once for
every format of the list, in one pass over the buckets. With no previous file every bucket is
rendered; the bytes are the same either way (the run law of blocklists.formats), and a test compares
them.

Each file is written in place: header (whose entry count is known before the body: every bucket knows
how many rows it holds, and a filtered format counts the rows it selects), body, footer. The checksums
are computed afterwards, several files at once (blocklists.renderer).

Synchronous on purpose: it runs in the renderer process (blocklists.renderer), never on the event loop.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from blocklists.buckets import Bucket
from blocklists.formats import ListFormat, ListMeta
from blocklists.rows import Row

FILE_MODE = 0o644  # resolvers and web servers often run as other users
_COPY_CHUNK = 1 << 30


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # in the body (after the header)
    length: int
    count: int  # rows this format carries from the bucket


@dataclass(frozen=True, slots=True)
class WrittenFile:
    name: str
    path: Path
    sha256: str  # "" until the renderer has hashed it
    size: int
    entries: int


@dataclass(slots=True)
class FormatFile:
    """One format of one list: where its previous version's body is, and each bucket's bytes in it."""

    fmt: ListFormat
    path: Path | None = None  # the previous version's file
    body_start: int = 0  # where its body begins (after the header)
    spans: dict[int, Span] = field(default_factory=dict)


@dataclass(slots=True)
class _Output:
    """One format's body being written: copies from the previous file are coalesced into ranges."""

    file: FormatFile
    body: BinaryIO
    source: BinaryIO | None
    separator: bytes
    offset: int = 0  # the header's length: spans are positions in the body
    spans: dict[int, Span] = field(default_factory=dict)
    count: int = 0
    started: bool = False
    copy_from: int = -1  # a pending range of the previous body
    copy_to: int = -1
    copied: list[tuple[int, Span]] = field(default_factory=list)

    def keep(self, bucket_id: int, old: Span) -> None:
        self.count += old.count
        if old.length == 0:
            self.spans[bucket_id] = old
            return
        if self.copy_to >= 0 and old.start == self.copy_to + len(self.separator):
            self.copy_to = old.start + old.length
        else:
            self.flush()
            self._begin()
            self.copy_from, self.copy_to = old.start, old.start + old.length
        self.copied.append((bucket_id, old))

    def put(self, bucket_id: int, text: bytes, count: int) -> None:
        self.flush()
        self.count += count
        if not text:  # a filtered format may carry nothing from a bucket: no run, no separator
            self.spans[bucket_id] = Span(0, 0, 0)
            return
        self._begin()
        at = self.body.tell() - self.offset
        self.body.write(text)
        self.spans[bucket_id] = Span(at, len(text), count)

    def _begin(self) -> None:
        if self.started:
            self.body.write(self.separator)
        self.started = True

    def flush(self) -> None:
        if self.copy_to < 0:
            return
        assert self.source is not None  # noqa: S101 - a range exists only with a previous file
        self.body.flush()
        at = self.body.tell()
        length = self.copy_to - self.copy_from
        _copy_range(self.source, self.body, self.file.body_start + self.copy_from, length, at)
        self.body.seek(at + length)
        at -= self.offset
        for bucket_id, old in self.copied:
            self.spans[bucket_id] = Span(at + old.start - self.copy_from, old.length, old.count)
        self.copy_from = self.copy_to = -1
        self.copied = []


def _copy_range(source: BinaryIO, out: BinaryIO, start: int, length: int, at: int) -> None:
    """Copy `length` bytes at `start` of `source` to offset `at` of `out`, in the kernel where it can."""
    src, dst = source.fileno(), out.fileno()
    done = 0
    while done < length:
        try:
            n = os.copy_file_range(src, dst, min(_COPY_CHUNK, length - done), start + done, at + done)
        except OSError:  # another file system, or a kernel without it: copy through user space
            n = len(data := os.pread(src, min(1 << 24, length - done), start + done))
            os.pwrite(dst, data, at + done)
        if n == 0:
            raise OSError(f"the previous list file ended early at byte {start + done}")
        done += n


def _entries(f: FormatFile, buckets: Sequence[Bucket]) -> int:
    """How many rows the format will carry: known from the buckets, or counted for a filtered format."""
    selects = f.fmt.selects
    if selects is None:
        return sum(b.count for b in buckets)
    total = 0
    for bucket in buckets:
        old = f.spans.get(bucket.id) if f.path is not None else None
        total += old.count if old is not None else sum(1 for r in bucket.rows() if selects(r))
    return total


def write_list(
    files: Mapping[str, FormatFile], buckets: Sequence[Bucket], directory: Path, version: int, generated_at: str
) -> dict[str, WrittenFile]:
    """Every format of one list for a new version, into `directory` (which must exist); each FormatFile
    then remembers the new file as the previous one. Checksums are left to the caller."""
    outputs: dict[str, _Output] = {}
    metas: dict[str, ListMeta] = {}
    try:
        for name, f in sorted(files.items()):
            source = f.path.open("rb") if f.path is not None else None
            target = (directory / name).open("wb")
            meta = metas[name] = ListMeta(f.fmt.kind, version, generated_at, _entries(f, buckets))
            header = f.fmt.header(meta).encode("utf-8")
            target.write(header)
            outputs[name] = _Output(f, target, source, f.fmt.separator.encode(), len(header))
        for bucket in buckets:
            rows: list[Row] | None = None
            for out in outputs.values():
                old = out.file.spans.get(bucket.id) if out.source is not None else None
                if old is not None:
                    out.keep(bucket.id, old)
                    continue
                if rows is None:
                    rows = bucket.rows()  # decoded once for every format of the list
                selects = out.file.fmt.selects
                chosen = rows if selects is None else [r for r in rows if selects(r)]
                out.put(bucket.id, out.file.fmt.run(chosen).encode("utf-8"), len(chosen))
        written = {}
        for name, out in outputs.items():
            out.flush()
            out.body.write(out.file.fmt.footer(metas[name]).encode("utf-8"))
            os.fchmod(out.body.fileno(), FILE_MODE)
            size = out.body.tell()
            out.file.path, out.file.body_start, out.file.spans = directory / name, out.offset, out.spans
            written[name] = WrittenFile(out.file.fmt.name, directory / name, "", size, out.count)
        return written
    finally:
        for out in outputs.values():
            out.body.close()
            if out.source is not None:
                out.source.close()


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
