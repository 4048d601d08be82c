"""Real secondaries of our zone server, started by the e2e tests and the benchmark on loopback: BIND
(`named`) with response-policy, Unbound with an RPZ `primary:` or `url:`, PowerDNS Recursor with
`rpzPrimary`. Each resolves the local KZ_ZONE, so a listed name answers NXDOMAIN through the RPZ and
an unlisted one resolves. docs/zone-transfer.md shows these same configurations.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import dns.exception
import dns.message
import dns.query
import dns.rcode
from peers import KZ_ZONE, require_binary, unbound_config

ZONE = "rpz.antifraud."


def free_port() -> int:
    """A port free for both UDP and TCP on loopback right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free UDP+TCP port on loopback")


def rcode(port: int, name: str, timeout: float = 1.0) -> int | None:
    """The rcode a resolver on 127.0.0.1:`port` gives for `name` A, or None when it does not answer."""
    query = dns.message.make_query(name, "A")
    try:
        return int(dns.query.udp(query, "127.0.0.1", port=port, timeout=timeout).rcode())
    except (OSError, dns.exception.DNSException):
        return None


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll until `predicate` holds; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def blocked(port: int, name: str) -> Callable[[], bool]:
    return lambda: rcode(port, name) == dns.rcode.NXDOMAIN


@dataclass
class Peer:
    """A running resolver: its port, its process and where its output goes."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def running(name: str, argv: list[str], port: int, workdir: Path) -> Iterator[Peer]:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    peer = Peer(name, port, proc, log)
    try:
        wait_for(lambda: proc.poll() is not None or rcode(port, "weather.kz", 0.3) is not None, 20, f"{name} to answer")
        if proc.poll() is not None:
            raise AssertionError(f"{name} exited with {proc.returncode}:\n{peer.output()}")
        yield peer
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _kz(workdir: Path) -> Path:
    path = workdir / "kz.zone"
    path.write_text(KZ_ZONE)
    return path


# BIND ----------------------------------------------------------------------------------------------
BIND_RESPONSE_POLICY = f'response-policy {{ zone "{ZONE}" min-update-interval 0; }} qname-wait-recurse no;'


def bind_rpz(primary: str, primary_port: int, zonefile: str, key: tuple[str, str] | None = None) -> str:
    """The secondary zone (and its TSIG key) as docs/zone-transfer.md shows it."""
    key_clause = f'key "{key[0]}" {{ algorithm hmac-sha256; secret "{key[1]}"; }};\n' if key else ""
    key_ref = f' key "{key[0]}"' if key else ""
    return f"""{key_clause}zone "{ZONE}" {{
    type secondary;
    primaries port {primary_port} {{ {primary}{key_ref}; }};
    file "{zonefile}";
    allow-query {{ localhost; }};
}};
"""


def bind_config(workdir: Path, port: int, primary_port: int, *, key: tuple[str, str] | None = None) -> str:
    """named as a secondary of our zone (`key`: a TSIG key name and base64 secret to transfer with)."""
    return f"""options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    session-keyfile "{workdir}/session.key";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    dnssec-validation no;
    notify no;
    {BIND_RESPONSE_POLICY}
}};
controls {{ }};
{bind_rpz("127.0.0.1", primary_port, f"{workdir}/rpz.db", key)}zone "kz." {{
    type primary;
    file "{_kz(workdir)}";
}};
"""


def start_bind(
    workdir: Path, port: int, primary_port: int, *, key: tuple[str, str] | None = None
) -> contextlib.AbstractContextManager[Peer]:
    named = require_binary("named", "bind9")
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "named.conf"
    conf.write_text(bind_config(workdir, port, primary_port, key=key))
    checkconf = shutil.which("named-checkconf") or "/usr/bin/named-checkconf"
    subprocess.run([checkconf, str(conf)], check=True, capture_output=True)
    return running("named", [named, "-g", "-4", "-c", str(conf)], port, workdir)


# Unbound -------------------------------------------------------------------------------------------
def start_unbound(workdir: Path, port: int, rpz: str) -> contextlib.AbstractContextManager[Peer]:
    """Unbound resolving KZ_ZONE through one RPZ whose source lines are `rpz` (`primary:` or `url:`)."""
    unbound = require_binary("unbound", "unbound")
    workdir.mkdir(parents=True, exist_ok=True)
    _kz(workdir)
    conf = workdir / "unbound.conf"
    conf.write_text(unbound_config(workdir, port, rpz=rpz))
    checkconf = shutil.which("unbound-checkconf") or "/usr/sbin/unbound-checkconf"
    subprocess.run([checkconf, str(conf)], check=True, capture_output=True)
    return running("unbound", [unbound, "-d", "-c", str(conf)], port, workdir)


def unbound_primary(primary_port: int, primary: str = "127.0.0.1") -> str:
    return f"primary: {primary}@{primary_port}"


def unbound_rpz(source: str, zonefile: str) -> str:
    """The rpz: clause as docs/zone-transfer.md shows it; `source` is `primary: ...` or `url: ...` lines."""
    return (
        f'rpz:\n  name: "{ZONE}"\n'
        + "".join(f"  {line}\n" for line in (*source.splitlines(), f'zonefile: "{zonefile}"'))
        + "  rpz-log: yes\n"
    )


# PowerDNS Recursor ---------------------------------------------------------------------------------
def pdns_lua(primary_port: int, refresh: int | None = None, primary: str = "127.0.0.1") -> str:
    options = f", {{refresh={refresh}}}" if refresh is not None else ""
    return f'rpzPrimary("{primary}:{primary_port}", "{ZONE}"{options})\n'


def pdns_config(workdir: Path, port: int) -> str:
    return f"""local-address=127.0.0.1
local-port={port}
allow-from=127.0.0.0/8
auth-zones=kz.={workdir}/kz.zone
lua-config-file={workdir}/rpz.lua
socket-dir={workdir}
daemon=no
write-pid=no
disable-syslog=yes
threads=1
loglevel=6
allow-notify-from=127.0.0.0/8
allow-notify-for={ZONE.rstrip(".")}
"""


def start_pdns(
    workdir: Path, port: int, primary_port: int, refresh: int | None = None
) -> contextlib.AbstractContextManager[Peer]:
    recursor = require_binary("pdns_recursor", "pdns-recursor")
    workdir.mkdir(parents=True, exist_ok=True)
    _kz(workdir)
    (workdir / "rpz.lua").write_text(pdns_lua(primary_port, refresh))
    (workdir / "recursor.conf").write_text(pdns_config(workdir, port))
    return running("pdns_recursor", [recursor, f"--config-dir={workdir}"], port, workdir)


class ServerThread:
    """A ZoneServer on its own event loop in a thread, so a synchronous test can poll real resolvers
    (and block while doing so) without stopping the server that answers them."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="zone-server", daemon=True)

    def call(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    @property
    def port(self) -> int:
        return int(self.server.addresses[0][1])

    def __enter__(self) -> Self:
        self._thread.start()
        self.call(self.server.start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self.server.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()
