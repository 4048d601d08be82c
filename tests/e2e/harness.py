"""A running `antifraud serve` for end-to-end tests: a subprocess on a free loopback port with its own
database and blocklist directory, configured only through the contract's environment overrides.

Synchronous use (a pytest fixture or a test body):

    with Center(tmp_path) as center:
        key = center.create_key("Kazakhtelecom", "pull")
        assert center.get("/v1/blocklists", key).status == 200

Asynchronous tests use `async with Center(tmp_path) as center:` (start and stop run in a thread, so the
event loop is not blocked while the server boots). A failed start or a test that fails inside the block
prints the server's output; `stop()` returns its exit status so a test can require a clean shutdown.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
# Nothing listens on the discard port: workers that resolve names fail at once instead of asking the
# machine's resolver, so an end-to-end test never sends a query to the internet.
OFFLINE_NAMESERVER = "127.0.0.1:9"


def free_port() -> int:
    """A TCP port free on loopback now (the server binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    """Poll `predicate` until it is true; fail naming `what` was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def antifraud_command() -> list[str]:
    """The installed console script when this interpreter has one, else the module."""
    script = Path(sys.executable).with_name("antifraud")
    return [str(script)] if script.is_file() and os.access(script, os.X_OK) else [sys.executable, "-m", "antifraud"]


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class CenterError(RuntimeError):
    """The center could not be started, or a CLI command failed; the message carries its output."""


class Center:
    """`antifraud serve` in a subprocess; `with Center(tmp_path) as center:` starts it, leaving stops it."""

    def __init__(
        self,
        workdir: Path,
        brands: Path | None = None,
        extra_env: dict[str, str] | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = workdir / "center.sqlite3"
        self.blocklist_dir = workdir / "blocklists"
        self.start_timeout = start_timeout
        # The developer's own ANTIFRAUD_* settings must not leak into an isolated instance.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("ANTIFRAUD_")}
        self.env = {
            **inherited,
            "ANTIFRAUD_DB": str(self.db_path),
            "ANTIFRAUD_LISTEN": f"127.0.0.1:{self.port}",
            "ANTIFRAUD_BLOCKLIST_DIR": str(self.blocklist_dir),
            "ANTIFRAUD_NAMESERVERS": OFFLINE_NAMESERVER,
            **({"ANTIFRAUD_BRANDS": str(brands)} if brands else {}),
            **(extra_env or {}),
        }
        self.log_path = workdir / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self._log: IO[bytes] | None = None

    # CLI -----------------------------------------------------------------------------------------
    def cli(self, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `antifraud ARGS` against this instance's database and settings."""
        return subprocess.run(
            [*antifraud_command(), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            timeout=timeout,
        )

    def create_key(self, name: str, scopes: str) -> str:
        """`antifraud keys create NAME --scopes S`: the key is the only thing printed on stdout."""
        result = self.cli("keys", "create", name, "--scopes", scopes)
        if result.returncode != 0:
            raise CenterError(f"antifraud keys create {name!r} exited {result.returncode}:\n{result.stderr}")
        key = result.stdout.strip()
        if not key or len(result.stdout.splitlines()) != 1 or any(c.isspace() for c in key):
            raise CenterError(f"antifraud keys create must print the key alone on stdout, got {result.stdout!r}")
        return key

    # lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        if self.proc is not None:
            raise CenterError("this center is already running")
        self.returncode = None
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*antifraud_command(), "serve"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()
                raise CenterError(f"antifraud serve exited with {code} before answering /healthz:\n{self.logs()}")
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:  # not listening yet
                pass
            time.sleep(0.1)
        self.stop()
        raise CenterError(f"antifraud serve did not answer /healthz in {self.start_timeout:g} s:\n{self.logs()}")

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; returns the exit status (None if it never ran)."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                sys.stderr.write(f"antifraud serve ignored SIGTERM for {STOP_TIMEOUT:g} s and was killed\n")
        self.returncode = self.proc.returncode
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.returncode

    def restart(self) -> None:
        """Stop and start again on the same port, database and blocklist directory."""
        self.stop()
        self.start()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        if kind is not None:
            sys.stderr.write(f"--- antifraud serve output ({self.log_path}) ---\n{self.logs()}\n")

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.__exit__, kind, error, tb)

    # HTTP ----------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> Response:
        """One request to the center; HTTP errors are returned as responses, connection errors raise."""
        data = None if body is None else json.dumps(body).encode()
        all_headers = {**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback only
                return Response(r.status, r.read().decode(), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read().decode(), dict(e.headers))

    def get(self, path: str, key: str | None = None, **headers: str) -> Response:
        return self.request("GET", path, key, headers=headers)

    def post(self, path: str, key: str | None, body: Any, **headers: str) -> Response:
        return self.request("POST", path, key, body, headers=headers)
