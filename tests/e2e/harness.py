"""A running `antifraud serve` for end-to-end tests: a subprocess on a free loopback port with its own
database and blocklist directory, configured only through the contract's environment overrides."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class Center:
    """Start with `with Center(tmp_path) as center:`; stopped with SIGTERM on exit."""

    def __init__(self, workdir: Path, brands: Path | None = None, extra_env: dict[str, str] | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.blocklist_dir = workdir / "blocklists"
        self.env = {
            **os.environ,
            "ANTIFRAUD_DB": str(workdir / "center.sqlite3"),
            "ANTIFRAUD_LISTEN": f"127.0.0.1:{self.port}",
            "ANTIFRAUD_BLOCKLIST_DIR": str(self.blocklist_dir),
            **({"ANTIFRAUD_BRANDS": str(brands)} if brands else {}),
            **(extra_env or {}),
        }
        self.log_path = workdir / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "antifraud", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            timeout=60,
        )

    def create_key(self, name: str, scopes: str) -> str:
        result = self.cli("keys", "create", name, "--scopes", scopes)
        assert result.returncode == 0, result.stderr
        key = result.stdout.strip()
        assert key.startswith("af_"), f"the key alone on stdout, got {result.stdout!r}"
        assert "\n" not in key
        return key

    def __enter__(self) -> Self:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "antifraud", "serve"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"antifraud serve exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if self.request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"antifraud serve did not answer /healthz in 30 s:\n{self.logs()}")

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if exc[0] is not None:
            sys.stderr.write(f"--- antifraud serve log ---\n{self.logs()}\n")

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(
        self, method: str, path: str, key: str | None = None, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback only
                return Response(r.status, r.read().decode(), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read().decode(), dict(e.headers))

    def get(self, path: str, key: str | None = None, **headers: str) -> Response:
        return self.request("GET", path, key, headers=headers)

    def post(self, path: str, key: str | None, body: Any, **headers: str) -> Response:
        return self.request("POST", path, key, body, headers=headers)
