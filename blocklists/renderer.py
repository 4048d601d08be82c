"""The renderer: holds every published list as row buckets and writes each new version's files.

Layout of a publication directory:

    <dir>/domains.rpz, ..., index.json, SHA256SUMS   hard links to the newest version's files
    <dir>/.versions/<version>/                        each version, immutable once written: the pull API
                                                      serves from here, so a download never mixes versions
    <dir>/.versions/<version>/.rows/<list>            the rows of each list (what a restart reloads)

A version directory is complete when its index.json exists: every list is written before the index
and the checksums that name it. The top-level names are replaced one by one with atomic renames, the
index last, so a consumer reading the directory never sees a half-written list.

`Renderer` is synchronous; blocklists.renderer_process runs it in a child process so that rendering a
million entries never holds the server's event loop or its GIL.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from antifraud.domain.model import ListKind
from blocklists.buckets import TARGET, RowBuckets, encode_rows
from blocklists.errors import StalePublication
from blocklists.formats import ListFormat
from blocklists.patching import FILE_MODE, FormatFile, WrittenFile, sha256_of, write_list
from blocklists.rows import Row, check_values, check_version, display_form
from blocklists.signing import load_private_key, sign

INDEX_NAME = "index.json"
SUMS_NAME = "SHA256SUMS"
VERSIONS = ".versions"
ROWS = ".rows"
KEEP_VERSIONS = 4  # older version directories are deleted (a download in progress keeps its open file)


@dataclass(frozen=True, slots=True)
class ListChanges:
    """What one version changes in one list: rows to insert or replace, values to drop."""

    upserts: Sequence[Row] = ()
    removals: Sequence[str] = ()


RawRow = tuple[str, str, str, str, str, str, str]  # antifraud.ports.RawRow: the row's text, unchecked
RawChange = tuple[str, RawRow]  # (add | update | remove, the row)


def rows_from_raw(kind: ListKind, raw: Sequence[RawRow]) -> list[Row]:
    """Rows from the store's text. Every value is checked (the store is trusted, but a list is a
    resolver's input); a display form is sanitized. Millions at once: one C-level check over all values."""
    check_values(kind, [r[0] for r in raw], kind.value)
    return [r if not r[5] else (*r[:5], display_form(r[0], r[5]), r[6]) for r in raw]  # type: ignore[misc]


def changes_from_raw(kind: ListKind, raw: Sequence[RawChange]) -> ListChanges:
    upserts = rows_from_raw(kind, [row for action, row in raw if action != "remove"])
    removals = [row[0] for action, row in raw if action == "remove"]
    return ListChanges(upserts, removals)


@dataclass(frozen=True, slots=True)
class Manifest:
    """A written version: its directory, every published file, and the index document."""

    version: int
    generated_at: str
    directory: Path
    files: Mapping[str, WrittenFile]
    counts: Mapping[ListKind, int]
    index: Mapping[str, object]


def index_document(version: int, generated_at: str, files: Mapping[str, WrittenFile]) -> dict[str, object]:
    return {
        "version": version,
        "generated_at": generated_at,
        "lists": [
            {
                "name": f.name,
                "version": version,
                "entries": f.entries,
                "sha256": f.sha256,
                "bytes": f.size,
                "updated_at": generated_at,
            }
            for f in sorted(files.values(), key=lambda f: f.name)
        ],
    }


def sha256sums(files: Iterable[WrittenFile]) -> bytes:
    """`sha256sum -c` input: `<hex>  <name>` per line (two spaces: text mode, which is binary on Linux)."""
    return "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name)).encode()


def _rows_format(kind: ListKind) -> ListFormat:
    def nothing(_meta: object) -> str:
        return ""

    return ListFormat(f"{ROWS}/{kind.value}", kind, "text/tab-separated-values", nothing, _rows_text)


def _rows_text(rows: Sequence[Row]) -> str:
    return encode_rows(rows).decode("utf-8")


@dataclass(slots=True)
class _List:
    kind: ListKind
    files: dict[str, FormatFile]
    rows_file: FormatFile
    buckets: RowBuckets = field(default_factory=RowBuckets)


class Renderer:
    def __init__(
        self,
        directory: Path,
        formats: Mapping[str, ListFormat],
        *,
        fsync: bool = True,
        bucket_rows: int = TARGET,
        signing_key: Path | None = None,
        static: Mapping[str, bytes] | None = None,
    ) -> None:
        self.directory = directory
        # files every version carries as they are (phones.official.kamailio: the brands' official numbers)
        self.static = dict(static or {})
        self.fsync = fsync
        self.bucket_rows = bucket_rows
        # loaded here, in the renderer's process: the key never crosses the pipe nor reaches a log
        self._signer = load_private_key(signing_key) if signing_key is not None else None
        self.version: int | None = None
        self._lists = {
            kind: _List(
                kind,
                {n: FormatFile(f) for n, f in formats.items() if f.kind is kind},
                FormatFile(_rows_format(kind)),
                RowBuckets(target=bucket_rows),
            )
            for kind in ListKind
        }

    # start-up ------------------------------------------------------------------------------------
    def restore(self) -> Manifest | None:
        """Load the newest complete version on disk whose files match its index (its rows), or None.

        The lists are derived from the store and are not forced to disk one by one (at a national size that
        is gigabytes per version); a version damaged by a crash fails its checksums here and an older
        one (or, by the caller, the store) is used, and the top-level names are pointed at it."""
        for version in sorted(self._versions_on_disk(), reverse=True):
            directory = self._version_dir(version)
            try:
                index = json.loads((directory / INDEX_NAME).read_bytes())
                blobs = {kind: (directory / ROWS / kind.value).read_bytes() for kind in ListKind}
                if not self._intact(directory, index):
                    continue
            except (OSError, ValueError, KeyError, TypeError):
                continue
            for kind, blob in blobs.items():
                lst = self._lists[kind]
                lst.buckets = RowBuckets.from_blob(blob, target=self.bucket_rows)
                for f in (*lst.files.values(), lst.rows_file):
                    f.path, f.spans = None, {}  # bucket ids are new: the next version renders in full
            self.version = version
            manifest = self._manifest_from_disk(version, index)
            # consumers reading the directory get this version too, whatever a crash left at the top
            self._link_top_level(directory, [*manifest.files, SUMS_NAME, INDEX_NAME])
            return manifest
        return None

    @staticmethod
    def _intact(directory: Path, index: Mapping[str, object]) -> bool:
        lists = index.get("lists")
        if not isinstance(lists, list):
            return False
        expected = {str(item["name"]): str(item["sha256"]) for item in lists}
        with ThreadPoolExecutor(HASH_THREADS) as pool:
            found = dict(zip(expected, pool.map(sha256_of, (directory / n for n in expected)), strict=True))
        return found == expected

    def _manifest_from_disk(self, version: int, index: Mapping[str, object]) -> Manifest:
        directory = self._version_dir(version)
        files = {}
        lists = index.get("lists", [])
        for item in lists if isinstance(lists, list) else []:
            name = str(item["name"])
            files[name] = WrittenFile(
                name, directory / name, str(item["sha256"]), int(item["bytes"]), int(item["entries"])
            )
        counts = {kind: lst.buckets.count for kind, lst in self._lists.items()}
        return Manifest(version, str(index.get("generated_at", "")), directory, files, counts, index)

    def load_raw(self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawRow]]) -> Manifest:
        """`load` from stored published entries (sorted by value), converted here, in the renderer's process."""
        return self.load(version, generated_at, {k: rows_from_raw(k, rows) for k, rows in raw.items()})

    def publish_raw(self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawChange]]) -> Manifest:
        """`publish` from a version's stored changes, converted here, in the renderer's process."""
        return self.publish(version, generated_at, {k: changes_from_raw(k, c) for k, c in raw.items()})

    def load(self, version: int, generated_at: str, rows: Mapping[ListKind, Sequence[Row]]) -> Manifest:
        """Start from complete lists (checked, sorted, unique rows) and write them as `version`."""
        for kind, lst in self._lists.items():
            lst.buckets = RowBuckets.from_sorted_rows(rows.get(kind, ()), target=self.bucket_rows)
            for f in (*lst.files.values(), lst.rows_file):
                f.path, f.spans = None, {}
        return self._write(version, generated_at)

    # one version ---------------------------------------------------------------------------------
    def publish(self, version: int, generated_at: str, changes: Mapping[ListKind, ListChanges]) -> Manifest:
        """Apply one version's changes and write its files, patching the previous version's."""
        for kind, change in changes.items():
            self._lists[kind].buckets.apply(change.upserts, change.removals)
        return self._write(version, generated_at)

    def _write(self, version: int, generated_at: str) -> Manifest:
        check_version(version, "version")
        if self.version is not None and version < self.version:
            raise StalePublication(
                f"{self.directory} already holds version {self.version}, newer than {version}", field="version"
            )
        final = self._version_dir(version)
        work = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=self._versions_root()))
        try:
            (work / ROWS).mkdir()
            files: dict[str, WrittenFile] = {}
            for lst in self._lists.values():
                written = write_list(
                    {**lst.files, lst.rows_file.fmt.name: lst.rows_file},
                    lst.buckets.buckets,
                    work,
                    version,
                    generated_at,
                )
                written.pop(lst.rows_file.fmt.name)
                files.update(written)
            for name, body in sorted(self.static.items()):
                (work / name).write_bytes(body)
                (work / name).chmod(FILE_MODE)
                entries = max(0, body.count(b"\n") - 1)  # a header line, then a row per entry
                files[name] = WrittenFile(name, work / name, "", len(body), entries)
            files = _hashed(files)
            index = index_document(version, generated_at, files)
            (work / SUMS_NAME).write_bytes(sha256sums(files.values()))
            (work / INDEX_NAME).write_text(json.dumps(index, indent=2) + "\n")
            signatures = self._sign(work, [*files, SUMS_NAME, INDEX_NAME])
            if self.fsync:
                _fsync_file(work / INDEX_NAME)
                for name in signatures:
                    _fsync_file(work / name)
            if final.exists():  # the same version written again (a retry after a crash): replace it
                shutil.rmtree(final)
            work.rename(final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        # the files now live in the final directory: point each format at its new place
        for lst in self._lists.values():
            for f in lst.files.values():
                f.path = final / f.fmt.name
            lst.rows_file.path = final / lst.rows_file.fmt.name
        files = {name: WrittenFile(name, final / name, w.sha256, w.size, w.entries) for name, w in files.items()}
        # signatures before what they sign: a consumer that sees a new list finds its signature there
        self._link_top_level(final, [*signatures, *files, SUMS_NAME, INDEX_NAME])
        self.version = version
        self._prune(version)
        counts = {kind: lst.buckets.count for kind, lst in self._lists.items()}
        return Manifest(version, generated_at, final, files, counts, index)

    def _sign(self, work: Path, names: Sequence[str]) -> list[str]:
        """`<name>.sig` beside every published file and the index (blocklists.signing), when a key is set."""
        if self._signer is None:
            return []
        written = []
        for name in names:
            (work / f"{name}.sig").write_bytes(sign((work / name).read_bytes(), self._signer).to_bytes())
            written.append(f"{name}.sig")
        return written

    # the directory ---------------------------------------------------------------------------------
    def _versions_root(self) -> Path:
        root = self.directory / VERSIONS
        root.mkdir(parents=True, exist_ok=True)
        return root

    def _version_dir(self, version: int) -> Path:
        return self.directory / VERSIONS / str(version)

    def _versions_on_disk(self) -> list[int]:
        root = self.directory / VERSIONS
        if not root.is_dir():
            return []
        return [int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / INDEX_NAME).exists()]

    def _link_top_level(self, source: Path, names: Sequence[str]) -> None:
        for name in names:  # the index last: it names the lists, so they must be in place first
            tmp = self.directory / f".{name}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.link(source / name, tmp)
            tmp.replace(self.directory / name)
        if self.fsync:
            fsync_directory(self.directory)

    def _prune(self, current: int) -> None:
        for version in sorted(self._versions_on_disk()):
            if version <= current - KEEP_VERSIONS:
                shutil.rmtree(self._version_dir(version), ignore_errors=True)
        for leftover in (self.directory / VERSIONS).glob(".*"):  # a crashed writer's work directories
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)


HASH_THREADS = 2  # hashlib releases the GIL: a version's files are hashed side by side


def _hashed(files: Mapping[str, WrittenFile]) -> dict[str, WrittenFile]:
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        digests = dict(zip(files, pool.map(sha256_of, (f.path for f in files.values())), strict=True))
    return {name: replace(f, sha256=digests[name]) for name, f in files.items()}


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
