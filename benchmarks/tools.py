"""Shared pieces of the benchmarks: free ports, a center or a bare app in a subprocess, wrk runs and
their percentiles, resident memory of a process tree, the machine's load."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ANTIFRAUD = [PYTHON, "-m", "antifraud"]

BARE_APP = """
import json, sys
from aiohttp import web
LISTED = set()
async def check(request):
    value = request.query.get("domain", "")
    return web.json_response({"type": "domain", "value": value, "listed": value in LISTED, "verdict": "none",
                              "score": 0, "categories": [], "reasons": [], "list_version": 1})
async def batch(request):
    items = (await request.json())["items"]
    return web.json_response({"results": [{"value": i["value"], "listed": i["value"] in LISTED} for i in items]})
async def healthz(request):
    return web.json_response({"status": "ok"})
app = web.Application()
app.router.add_get("/v1/check", check)
app.router.add_post("/v1/check", batch)
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def http(
    url: str, method: str = "GET", key: str | None = None, body: object = None, timeout: float = 60
) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:  # noqa: S310 - loopback
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_http(url: str, timeout: float = 120) -> float:
    """Seconds until `url` answers 200."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if http(url, timeout=2)[0] == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer 200 in {timeout} s")


def rss_mib(pid: int, children: bool = True) -> dict[str, float]:
    """Resident memory of a process and (by name) of its children, MiB."""
    out: dict[str, float] = {}

    def one(p: int) -> float:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    out["main"] = one(pid)
    if children:  # a child started from a worker thread is listed under that thread's task, not the main one
        kids = {c for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()}
        for child in sorted(kids):
            name = Path(f"/proc/{child}/comm").read_text().strip()
            out[f"child {name} {child}"] = one(int(child))
    return out


def io_written(pid: int) -> int:
    """Bytes a process has caused to be written to storage (/proc/PID/io write_bytes)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


@dataclass
class Center:
    """`antifraud serve` on a work directory, with settings for measuring (no rate limit)."""

    workdir: Path
    port: int
    env: dict[str, str]
    config: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [*ANTIFRAUD, "--config", str(self.config), *args]
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False, cwd=ROOT)
        if check and result.returncode != 0:
            raise RuntimeError(f"antifraud {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}")
        return result

    def key(self, name: str, scopes: str = "admin") -> str:
        return self.cli("keys", "create", name, "--scopes", scopes).stdout.strip()

    def start(self) -> float:
        log = (self.workdir / "serve.log").open("ab")
        command = [*ANTIFRAUD, "serve", "--config", str(self.config)]
        self.proc = subprocess.Popen(command, env=self.env, stdout=log, stderr=log, cwd=ROOT)
        return wait_http(self.url + "/healthz")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def make_center(workdir: Path, **settings: str) -> Center:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "bench.toml"
    publication = settings.pop("publication", "")
    config.write_text(
        f"""
[server]
listen = "127.0.0.1:{port}"
[storage]
db = "{workdir / "center.sqlite3"}"
[paths]
blocklist_dir = "{workdir / "lists"}"
brands = "{ROOT / "config" / "brands.toml"}"
lexicon = "{ROOT / "config" / "lexicon.toml"}"
[api]
rate_per_second = 1000000000.0
rate_burst = 1000000000
metrics_public = true
[publication]
{publication}
[logging]
level = "WARNING"
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTIFRAUD_")}
    env["PYTHONPATH"] = str(ROOT)
    return Center(workdir, port, env, config)


@contextmanager
def bare_app() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([PYTHON, "-c", BARE_APP, str(port)])
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait()


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, lua: str, duration: float = 8, connections: int = 32, threads: int = 1) -> WrkResult:
    """wrk with a Lua script (its `request` builds each request); latency percentiles from --latency."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(
            [binary, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 60,
        ).stdout
    finally:
        Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    latency_max = _ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(rps, p50, p99, latency_max, errors)


def get_lua(path_expr: str, key: str | None = None) -> str:
    """A wrk script whose every request is GET <path_expr> (a Lua expression)."""
    auth = f'["Authorization"] = "Bearer {key}"' if key else ""
    return f"""
math.randomseed(os.time() + math.random(1000))
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", {path_expr}, {{{auth}}})
end
"""


def post_lua(body_expr: str, path: str, key: str | None = None) -> str:
    auth = f'["Authorization"] = "Bearer {key}", ' if key else ""
    return f"""
math.randomseed(os.time() + math.random(1000))
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "{path}", {{{auth}["Content-Type"] = "application/json"}}, {body_expr})
end
"""


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def describe(mapping: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f} MiB" for k, v in mapping.items())
