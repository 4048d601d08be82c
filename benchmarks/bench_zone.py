"""The zone server at national scale: a 1,000,000-entry RPZ.

Measured in one run, on loopback:
  1. AXFR until enforced: Unbound (RPZ `primary:`) starts, transfers the zone and answers NXDOMAIN
     for the last listed name — from our server, then from BIND 9 serving the same zone (the
     baseline); the ratio is ours / BIND's.
  2. One IXFR until enforced: one name is listed, new_version() sends NOTIFY, Unbound asks for the
     IXFR; time until it answers NXDOMAIN for it.
  3. Our server's memory with 1 M names: RSS of this process before and after the zones are loaded
     (the source generates entries on the fly, so only the server holds them).

    .venv/bin/python benchmarks/bench_zone.py [--entries N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import dns.rcode  # noqa: E402
from fakes_zone import entry  # noqa: E402
from zone_peers import ServerThread, free_port, rcode, start_unbound, unbound_primary, wait_for  # noqa: E402

from antifraud.domain.model import Delta, ListEntry, ListKind  # noqa: E402
from blocklists.zone.config import ServerConfig, SoaTimers  # noqa: E402
from blocklists.zone.server import ZoneServer  # noqa: E402

ZONE = "rpz.antifraud."
WORDS = ("kaspi", "halyk", "egov", "bonus", "login", "pay", "secure", "verify", "kz", "promo")


PROBE = "xn----7sbe0aiwgergv.kz"  # resolves in the resolvers' local kz. zone (tests/peers.py KZ_ZONE)
FRESH = ("weather.kz", "kaspi.kz", "egov-pay.kz")  # resolve too, until listed one by one


def name(i: int) -> str:
    """The i-th name; the zero-padded number first, so names sort as the numbers do."""
    return f"d{i:07d}-{WORDS[i % 10]}-{WORDS[(i // 10) % 10]}.kz"


class GeneratedSource:
    """N names made on the fly (sorted by value), so the benchmark process holds only the server's copy."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._serial = 1
        self.deltas: list[Delta] = []

    def serial(self) -> int:
        return self._serial

    def entries(self) -> Iterable[ListEntry]:
        # every generated name sorts before PROBE ("d" < "x"), which closes the list
        yield from (entry(name(i)) for i in range(self.count - 1))
        yield entry(PROBE)

    async def journal(self, since: int) -> Sequence[Delta] | None:
        return [d for d in self.deltas if d.from_version >= since] or None

    def publish(self, value: str) -> None:
        self.deltas.append(Delta(ListKind.DOMAINS, self._serial, self._serial + 1, (entry(value),)))
        self._serial += 1


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def zone_file(path: Path, count: int) -> None:
    with path.open("w") as out:
        out.write("$TTL 300\n@ SOA ns.antifraud. hostmaster.antifraud. 1 86400 86400 604800 300\n@ NS ns.antifraud.\n")
        for i in range(count):
            n = name(i) if i < count - 1 else PROBE
            out.write(f"{n} CNAME .\n*.{n} CNAME .\n")


def bind_primary(workdir: Path, port: int, zonefile: Path) -> subprocess.Popen[bytes]:
    conf = workdir / "named.conf"
    conf.write_text(f"""options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    session-keyfile "{workdir}/session.key";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    allow-transfer {{ 127.0.0.1; }};
}};
controls {{ }};
zone "{ZONE}" {{ type primary; file "{zonefile}"; }};
""")
    log = (workdir / "named.log").open("wb")
    return subprocess.Popen(["/usr/sbin/named", "-g", "-4", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)


def soa_ready(port: int) -> bool:
    import dns.message  # noqa: PLC0415
    import dns.query  # noqa: PLC0415

    try:
        r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1", port=port, timeout=1)
    except Exception:  # noqa: BLE001 - not up yet
        return False
    return r.rcode() == dns.rcode.NOERROR and bool(r.answer)


def axfr_until_enforced(
    workdir: Path, primary_port: int, probe: str, notify_port: int | None = None, *, zonefile: bool = True
) -> Iterator[float]:
    port = notify_port or free_port()
    rpz = unbound_primary(primary_port)
    if zonefile:
        rpz += f'\nzonefile: "{workdir}/rpz.zone"'
    start = time.monotonic()
    with start_unbound(workdir, port, rpz) as unbound:
        wait_for(lambda: rcode(unbound.port, probe, 2) == dns.rcode.NXDOMAIN, 600, f"Unbound to enforce {probe}", 0.2)
        yield time.monotonic() - start
        yield unbound.port  # the caller may go on using this Unbound


def bind_baseline(work: Path, n: int, probe: str) -> float:
    """BIND 9 serving the same zone: seconds from Unbound's start until it enforces the probe."""
    zonefile = work / "rpz.zone.db"
    zone_file(zonefile, n)
    bind_port = free_port()
    (work / "bind").mkdir()
    named = bind_primary(work / "bind", bind_port, zonefile)
    try:
        t0 = time.monotonic()
        wait_for(lambda: soa_ready(bind_port), 600, "BIND to load the zone", 0.2)
        print(f"BIND loaded the zone file in {time.monotonic() - t0:.1f} s")
        (work / "u-bind").mkdir()
        steps = axfr_until_enforced(work / "u-bind", bind_port, probe)
        seconds = next(steps)
        steps.close()
        return seconds
    finally:
        named.terminate()
        named.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--skip-bind", action="store_true", help="measure our server only")
    parser.add_argument(
        "--no-zonefile", action="store_true", help="Unbound keeps the RPZ in memory only (no rewrite of it on disk)"
    )
    args = parser.parse_args()
    n = args.entries
    probe = PROBE
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"zone of {n:,} names ({2 * n:,} records); uptime: {uptime}")
    with tempfile.TemporaryDirectory(prefix="bench-zone-") as tmp:
        work = Path(tmp)
        bind_axfr = float("nan") if args.skip_bind else bind_baseline(work, n, probe)
        print(f"BIND -> Unbound AXFR until enforced: {bind_axfr:.2f} s")

        # ours
        before = rss_mib()
        source = GeneratedSource(n)
        unbound_port = free_port()
        config = ServerConfig(timers=SoaTimers(refresh=86400, retry=86400), notify=(("127.0.0.1", unbound_port),))
        server = ZoneServer(config, source)
        t0 = time.monotonic()
        with ServerThread(server) as zone:
            load_s = time.monotonic() - t0
            after = rss_mib()
            print(
                f"our server loaded the zone in {load_s:.1f} s; RSS {before:.0f} MiB -> {after:.0f} MiB "
                f"(+{after - before:.0f} MiB, {(after - before) * 2**20 / n:.0f} bytes a name)"
            )
            (work / "u-ours").mkdir()
            steps = axfr_until_enforced(work / "u-ours", zone.port, probe, unbound_port, zonefile=not args.no_zonefile)
            ours_axfr = next(steps)
            ratio = ours_axfr / bind_axfr
            print(f"ours -> Unbound AXFR until enforced: {ours_axfr:.2f} s  (ratio ours/BIND: {ratio:.2f})")
            uport = next(steps)
            times = []
            for value in FRESH:
                if rcode(uport, value) != dns.rcode.NOERROR:
                    raise SystemExit(f"{value} should resolve before it is listed")
                source.publish(value)
                t0 = time.monotonic()
                zone.call(server.new_version())
                wait_for(
                    lambda v=value: rcode(uport, v, 1) == dns.rcode.NXDOMAIN, 60, f"Unbound to enforce {value}", 0.01
                )
                times.append(time.monotonic() - t0)
            steps.close()
            runs = ", ".join(f"{t:.3f}" for t in times)
            median = sorted(times)[len(times) // 2]
            print(f"one IXFR until enforced (NOTIFY -> IXFR -> NXDOMAIN), {len(times)} runs: {runs} s")
            print(f"median {median:.3f} s")
            print(f"transfers answered: {dict(server.transfers)}")


if __name__ == "__main__":
    main()
