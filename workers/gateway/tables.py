"""The table files Kamailio's db_text reads, and the agent's state file beside them.

A table is replaced atomically (written to a temporary file in the same directory, fsynced, renamed
over the old one), so Kamailio never reads half a table. db_text re-reads a table only when its file's
modification time, in whole seconds, is later than the one it loaded: a second version written within
the same second would be ignored, so each new file gets a modification time at least one second past
the previous file's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from workers.gateway.model import GatewayAgentError, TableSpec

STATE_FILE = ".antifraud-agent.json"
LOCK_FILE = ".antifraud-agent.lock"
FILE_MODE = 0o644  # Kamailio usually runs as its own user


def write_atomically(path: Path, body: bytes, *, mtime_after: float | None = None) -> None:
    """Replace `path` with `body`; with `mtime_after`, the new file's mtime is at least a second later."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fchmod(out.fileno(), FILE_MODE)
            os.fsync(out.fileno())
        if mtime_after is not None:
            mtime = max(time.time(), float(int(mtime_after)) + 1)
            os.utime(tmp, (mtime, mtime))
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_table(directory: Path, spec: TableSpec, body: bytes) -> None:
    path = directory / spec.name
    try:
        previous: float | None = path.stat().st_mtime
    except FileNotFoundError:
        previous = None
    write_atomically(path, body, mtime_after=previous)


def read_table(directory: Path, spec: TableSpec) -> bytes | None:
    try:
        return (directory / spec.name).read_bytes()
    except FileNotFoundError:
        return None


def ensure_table(directory: Path, spec: TableSpec) -> bool:
    """An empty table (its header) where there is none, so Kamailio can start before the first pull.
    Returns whether one was created."""
    if (directory / spec.name).exists():
        return False
    write_atomically(directory / spec.name, spec.header.encode())
    return True


def load_state(directory: Path) -> Any:
    try:
        return json.loads((directory / STATE_FILE).read_bytes())
    except (FileNotFoundError, ValueError):
        return None


def save_state(directory: Path, document: Any) -> None:
    write_atomically(directory / STATE_FILE, (json.dumps(document, sort_keys=True) + "\n").encode())


def lock_directory(directory: Path) -> IO[bytes]:
    """Hold the directory for this agent alone; a second agent on the same tables is refused (two
    writers would undo each other's versions and report the same hits twice)."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = (directory / LOCK_FILE).open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise GatewayAgentError(
            f"another gateway agent is already running on {directory} (it holds {LOCK_FILE})"
        ) from None
    with contextlib.suppress(OSError):
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
    return handle
