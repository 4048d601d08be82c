"""Writing a publication: every list, index.json and SHA256SUMS, atomically, never backwards."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from antifraud.domain.model import Category, ListEntry, Snapshot
from blocklists.errors import InvalidSnapshot, StalePublication
from blocklists.formats import FORMATS
from blocklists.publication import (
    atomic_write,
    published_version,
    remove_stale_temporaries,
    render_all,
    write_publication,
)

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SNAPSHOT = Snapshot(
    5,
    T0,
    (ListEntry("kaspi-bonus.kz", Category.PHISHING, 90, T0), ListEntry("egov-pay.online", Category.PHISHING, 80, T0)),
    (ListEntry("+77011234567", Category.WANGIRI, 70, T0),),
)


def test_every_list_index_and_checksums_are_written(tmp_path):
    out = tmp_path / "lists"
    manifest = write_publication(out, SNAPSHOT)
    assert manifest.version == 5
    assert set(manifest.lists) == set(FORMATS)
    assert sorted(p.name for p in out.iterdir()) == sorted([*FORMATS, "index.json", "SHA256SUMS"])
    for name, rendered in manifest.lists.items():
        body = (out / name).read_bytes()
        assert body == FORMATS[name].render(SNAPSHOT)
        assert rendered.sha256 == hashlib.sha256(body).hexdigest()
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644
    index = json.loads((out / "index.json").read_text())
    assert index == manifest.index
    assert index["version"] == 5
    rpz = next(item for item in index["lists"] if item["name"] == "domains.rpz")
    assert rpz == {
        "name": "domains.rpz",
        "version": 5,
        "entries": 2,
        "sha256": manifest.lists["domains.rpz"].sha256,
        "bytes": len((out / "domains.rpz").read_bytes()),
        "updated_at": "2026-11-22T10:00:00Z",
    }
    assert next(item for item in index["lists"] if item["name"] == "phones.csv")["entries"] == 1


def test_sha256sums_is_accepted_by_sha256sum_check(tmp_path):
    write_publication(tmp_path, SNAPSHOT)
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(FORMATS)
    (tmp_path / "domains.txt").write_text("tampered\n")
    result = subprocess.run(["sha256sum", "--check", "SHA256SUMS"], cwd=tmp_path, capture_output=True, check=False)
    assert result.returncode != 0


def test_a_newer_version_replaces_files_and_leaves_no_temporaries(tmp_path):
    write_publication(tmp_path, SNAPSHOT)
    newer = replace(SNAPSHOT, version=6, domains=SNAPSHOT.domains[:1])
    write_publication(tmp_path, newer)
    assert b"egov-pay" not in (tmp_path / "domains.txt").read_bytes()
    assert published_version(tmp_path) == 6
    assert not list(tmp_path.glob(".*"))


def test_rewriting_the_same_version_is_allowed_but_an_older_one_is_refused(tmp_path):
    write_publication(tmp_path, SNAPSHOT)
    write_publication(tmp_path, SNAPSHOT)  # a restart serves and rewrites its last version
    with pytest.raises(StalePublication, match=r"already holds version 5, newer than 4") as caught:
        write_publication(tmp_path, replace(SNAPSHOT, version=4))
    assert caught.value.field == "version"
    assert published_version(tmp_path) == 5


def test_pre_rendered_lists_are_written_as_given(tmp_path):
    rendered = render_all(SNAPSHOT)
    manifest = write_publication(tmp_path, SNAPSHOT, rendered)
    assert manifest.lists == rendered
    assert (tmp_path / "phones.json").read_bytes() == rendered["phones.json"].body


def test_an_invalid_snapshot_writes_nothing(tmp_path):
    bad = replace(SNAPSHOT, domains=(ListEntry("BAD NAME", Category.OTHER, 1, T0),))
    with pytest.raises(InvalidSnapshot):
        write_publication(tmp_path / "out", bad)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1]", b'{"version": "7"}', b'{"version": true}'])
def test_an_unreadable_index_names_no_version(tmp_path, content):
    (tmp_path / "index.json").write_bytes(content)
    assert published_version(tmp_path) is None
    assert published_version(tmp_path / "missing") is None


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "domains.txt"
    target.write_bytes(b"old\n")
    with pytest.raises(TypeError):
        atomic_write(target, "text where bytes belong")  # type: ignore[arg-type]  # fails inside the write
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["domains.txt"]


def test_stale_temporaries_of_a_crashed_writer_are_removed(tmp_path):
    (tmp_path / ".domains.rpz.abc123.tmp").write_bytes(b"half")
    (tmp_path / "domains.rpz").write_bytes(b"whole")
    removed = remove_stale_temporaries(tmp_path)
    assert [p.name for p in removed] == [".domains.rpz.abc123.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["domains.rpz"]


def test_published_version_reads_the_index(tmp_path):
    write_publication(Path(tmp_path), SNAPSHOT)
    assert published_version(tmp_path) == 5
