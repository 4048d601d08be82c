"""Writing a publication: every format atomically (temp file, fsync, rename, directory fsync), then
`index.json` and `SHA256SUMS`. Consumers reading the directory never see a half-written list."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from antifraud.domain.model import Snapshot
from blocklists.formats import FORMATS, ListFormat, rfc3339


@dataclass(frozen=True, slots=True)
class RenderedList:
    name: str
    body: bytes
    sha256: str
    entries: int


def render_all(snapshot: Snapshot, formats: Mapping[str, ListFormat] = FORMATS) -> dict[str, RenderedList]:
    rendered = {}
    for name, fmt in formats.items():
        body = fmt.render(snapshot)
        rendered[name] = RenderedList(name, body, hashlib.sha256(body).hexdigest(), len(snapshot.entries(fmt.kind)))
    return rendered


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Manifest:
    version: int
    lists: dict[str, RenderedList]


def index_document(snapshot: Snapshot, rendered: Mapping[str, RenderedList]) -> dict[str, object]:
    return {
        "version": snapshot.version,
        "generated_at": rfc3339(snapshot.generated_at),
        "lists": [
            {
                "name": r.name,
                "version": snapshot.version,
                "entries": r.entries,
                "sha256": r.sha256,
                "bytes": len(r.body),
                "updated_at": rfc3339(snapshot.generated_at),
            }
            for r in sorted(rendered.values(), key=lambda r: r.name)
        ],
    }


def write_publication(
    directory: Path, snapshot: Snapshot, rendered: Mapping[str, RenderedList] | None = None
) -> Manifest:
    """Write every list of the snapshot into `directory`; the index and checksums go last."""
    directory.mkdir(parents=True, exist_ok=True)
    lists = dict(rendered) if rendered is not None else render_all(snapshot)
    for r in lists.values():
        atomic_write(directory / r.name, r.body)
    sums = "".join(f"{r.sha256}  {r.name}\n" for r in sorted(lists.values(), key=lambda r: r.name))
    atomic_write(directory / "SHA256SUMS", sums.encode())
    atomic_write(directory / "index.json", (json.dumps(index_document(snapshot, lists), indent=2) + "\n").encode())
    _fsync_dir(directory)
    return Manifest(snapshot.version, lists)
