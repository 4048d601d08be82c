"""Writing one list's files for a new version by patching the previous version's files.

For each format the file is `header + separator.join(runs) + footer`, one run per bucket
(blocklists.buckets). A bucket whose id is unchanged since the previous version has the same bytes as
before, at a known offset in the previous file: runs of such buckets are copied from that file by the
kernel (`copy_file_range`), and only the buckets that changed are rendered. With no previous file every
bucket is rendered; the bytes are the same either way (the run law of blocklists.formats), and a test
compares them.

Synchronous on purpose: it runs in the renderer process (blocklists.renderer), never on the event loop.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from blocklists.buckets import Bucket
from blocklists.formats import ListFormat, ListMeta

FILE_MODE = 0o644  # resolvers and web servers often run as other users
_COPY_CHUNK = 1 << 30


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    length: int
    count: int  # rows this format carries from the bucket


@dataclass(frozen=True, slots=True)
class WrittenFile:
    name: str
    path: Path
    sha256: str
    size: int
    entries: int


@dataclass(slots=True)
class _Piece:
    text: bytes | None = None  # rendered bytes, or
    old_start: int = 0  # a range of the previous file
    old_end: int = 0
    new_spans: list[tuple[int, Span]] = field(default_factory=list)  # (bucket id, span in the old file)


@dataclass(slots=True)
class FormatFile:
    """One format of one list: where its previous version's file is, and each bucket's bytes in it."""

    fmt: ListFormat
    path: Path | None = None
    spans: dict[int, Span] = field(default_factory=dict)

    def write(self, buckets: Sequence[Bucket], directory: Path, version: int, generated_at: str) -> WrittenFile:
        """Write this format's file for `buckets` into `directory`; remember it as the previous file."""
        fmt = self.fmt
        sep = fmt.separator.encode()
        pieces: list[_Piece] = []
        total = 0
        for bucket in buckets:
            old = self.spans.get(bucket.id) if self.path is not None else None
            if old is not None:
                total += old.count
                if old.length == 0:
                    continue
                last = pieces[-1] if pieces else None
                if last is not None and last.text is None and old.start == last.old_end + len(sep):
                    last.old_end = old.start + old.length
                    last.new_spans.append((bucket.id, old))
                else:
                    pieces.append(_Piece(None, old.start, old.start + old.length, [(bucket.id, old)]))
                continue
            rows = bucket.rows()
            chosen = rows if fmt.selects is None else [r for r in rows if fmt.selects(r)]
            total += len(chosen)
            text = fmt.run(chosen).encode("utf-8")
            if text:  # a filtered format may carry nothing from a bucket: no run, no separator
                pieces.append(_Piece(text, new_spans=[(bucket.id, Span(0, len(text), len(chosen)))]))
        meta = ListMeta(fmt.kind, version, generated_at, total)
        target = directory / fmt.name
        spans: dict[int, Span] = {}
        with target.open("wb") as out:
            out.write(fmt.header(meta).encode("utf-8"))
            source = self.path.open("rb") if self.path is not None and any(p.text is None for p in pieces) else None
            try:
                first = True
                for piece in pieces:
                    if not first:
                        out.write(sep)
                    first = False
                    at = out.tell()
                    if piece.text is not None:
                        out.write(piece.text)
                        bucket_id, span = piece.new_spans[0]
                        spans[bucket_id] = Span(at, span.length, span.count)
                        continue
                    assert source is not None  # noqa: S101 - a copied piece exists only with a previous file
                    out.flush()
                    _copy_range(source, out, piece.old_start, piece.old_end - piece.old_start, at)
                    out.seek(at + piece.old_end - piece.old_start)
                    for bucket_id, span in piece.new_spans:
                        spans[bucket_id] = Span(at + span.start - piece.old_start, span.length, span.count)
            finally:
                if source is not None:
                    source.close()
            out.write(fmt.footer(meta).encode("utf-8"))
            os.fchmod(out.fileno(), FILE_MODE)
        # empty runs (a filtered format with nothing from a bucket) carry no bytes; remember them too
        for bucket in buckets:
            spans.setdefault(bucket.id, Span(0, 0, 0))
        with target.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        self.path, self.spans = target, spans
        return WrittenFile(fmt.name, target, digest, target.stat().st_size, total)


def _copy_range(source: object, out: object, start: int, length: int, at: int) -> None:
    """Copy `length` bytes at `start` of `source` to offset `at` of `out`, in the kernel where it can."""
    src, dst = source.fileno(), out.fileno()  # type: ignore[attr-defined]
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


def write_list(
    files: Mapping[str, FormatFile], buckets: Sequence[Bucket], directory: Path, version: int, generated_at: str
) -> dict[str, WrittenFile]:
    """Every format of one list for a new version, into `directory` (which must exist)."""
    return {name: f.write(buckets, directory, version, generated_at) for name, f in sorted(files.items())}
