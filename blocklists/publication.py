"""Writing a publication: every list atomically (temp file in the same directory, fsync, rename,
directory fsync), then `index.json` and `SHA256SUMS`. A consumer reading the directory never sees a
half-written list, and the index and checksums never name a list that is not yet on disk.

Synchronous on purpose: the publisher runs it in a thread; the CLI calls it directly."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from antifraud.domain.model import ListKind, Snapshot
from blocklists.errors import StalePublication
from blocklists.formats import FORMATS, ListFormat, list_content, rfc3339

INDEX_NAME = "index.json"
SUMS_NAME = "SHA256SUMS"
FILE_MODE = 0o644  # resolvers and web servers often run as other users


@dataclass(frozen=True, slots=True)
class RenderedList:
    """One list rendered in memory: what the API serves and what is written to disk."""

    name: str
    body: bytes
    sha256: str
    entries: int


def render_all(snapshot: Snapshot, formats: Mapping[str, ListFormat] = FORMATS) -> dict[str, RenderedList]:
    """Every format of the snapshot, keyed by name; each list is checked and sorted once for all its formats."""
    contents = {kind: list_content(snapshot, kind) for kind in ListKind}
    rendered = {}
    for name in sorted(formats):
        fmt = formats[name]
        content = contents[fmt.kind]
        body = fmt.render_content(content)
        rendered[name] = RenderedList(name, body, hashlib.sha256(body).hexdigest(), len(content.entries))
    return rendered


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a publication wrote: the version, every list, and the index document as written."""

    version: int
    lists: dict[str, RenderedList]
    index: dict[str, object]


def index_document(snapshot: Snapshot, rendered: Mapping[str, RenderedList]) -> dict[str, object]:
    updated_at = rfc3339(snapshot.generated_at)
    return {
        "version": snapshot.version,
        "generated_at": updated_at,
        "lists": [
            {
                "name": r.name,
                "version": snapshot.version,
                "entries": r.entries,
                "sha256": r.sha256,
                "bytes": len(r.body),
                "updated_at": updated_at,
            }
            for r in sorted(rendered.values(), key=lambda r: r.name)
        ],
    }


def sha256sums(rendered: Mapping[str, RenderedList]) -> bytes:
    """`sha256sum -c` input: `<hex>  <name>` per line (two spaces: text mode, which is binary on Linux)."""
    return "".join(f"{r.sha256}  {r.name}\n" for r in sorted(rendered.values(), key=lambda r: r.name)).encode()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old bytes or the new ones, never a mix."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), FILE_MODE)  # mkstemp creates 0600
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_directory(directory: Path) -> None:
    """Make the renames in `directory` durable: without it a crash can bring the old names back."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def published_version(directory: Path) -> int | None:
    """The version `index.json` in `directory` names, or None when there is no readable index."""
    try:
        document = json.loads((directory / INDEX_NAME).read_bytes())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    version = document.get("version") if isinstance(document, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def write_publication(
    directory: Path, snapshot: Snapshot, rendered: Mapping[str, RenderedList] | None = None
) -> Manifest:
    """Write every list of the snapshot into `directory`, then the index and the checksums.

    Rewriting the version already there is allowed (a restart does it); an older one raises
    StalePublication, because it would move every consumer, and the RPZ serial, backwards.
    """
    directory.mkdir(parents=True, exist_ok=True)
    on_disk = published_version(directory)
    if on_disk is not None and on_disk > snapshot.version:
        raise StalePublication(
            f"{directory} already holds version {on_disk}, newer than {snapshot.version}; "
            "publish from the store that wrote it, or choose an empty directory",
            field="version",
        )
    lists = dict(rendered) if rendered is not None else render_all(snapshot)
    for name in sorted(lists):
        atomic_write(directory / name, lists[name].body)
    # The lists must be durable before the index and checksums that name them.
    fsync_directory(directory)
    index = index_document(snapshot, lists)
    atomic_write(directory / SUMS_NAME, sha256sums(lists))
    atomic_write(directory / INDEX_NAME, (json.dumps(index, indent=2) + "\n").encode())
    fsync_directory(directory)
    return Manifest(snapshot.version, lists, index)


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Delete temp files a crashed writer left behind. Call it only while no writer runs (at start)."""
    removed = []
    for path in directory.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed
