"""Calls: Kamailio enforcing a million listed numbers, reloading them, and `cdr analyze` on big files.

    python benchmarks/bench_calls.py [--listed 1000000] [--calls 20000] [--rate 2000] [--records 1000000]
                                     [--memory-records 10000000] [--skip kamailio,reload,agent,cdr,memory]
    python benchmarks/bench_calls.py --generate N     # N call records (CSV) on stdout, streamed

1. Throughput: sipp places `--calls` clean calls (INVITE, 200, ACK, BYE) at up to `--rate` calls/s
   through config/kamailio/kamailio.cfg holding `--listed` numbers in its htable (each call's caller is
   looked up and missed, a range match tried, the official table asked), against the same Kamailio with
   WITHOUT_LOOKUP (the check left out), in the same run. Reported: calls/s achieved, failed calls, and
   Kamailio's own CPU time per call (all its processes, from /proc), the figure least disturbed by the
   load generators sharing the machine.
2. Reload: a new version of the million-number table (1 % changed) written the agent's way, then
   `htable.reload` over JSON-RPC, timed; and the time Kamailio takes to start with it.
3. Agent: applying a 1,000-entry delta to the million-number table, checking its sha256 and its rows.
4. `cdr analyze`: the CLI on `--records` records (a synthetic day of a mid-size network with fraud in
   it) against a bare `csv.reader` loop over the same file, both as subprocesses, CPU time.
5. Memory: `--memory-records` records generated on the fly and piped into `antifraud cdr analyze -`;
   peak RSS, against the peak RSS on a tenth of them: flat memory means about the same figure.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import sip  # noqa: E402
from sip import Kamailio, SippUas  # noqa: E402

from blocklists.telecom import NUMBERS_HEADER, apply_dbtext_delta, sha256_hex  # noqa: E402
from workers.gateway.model import TABLES, check_table  # noqa: E402
from workers.gateway.tables import write_table  # noqa: E402

ANTIFRAUD = [str(Path(sys.executable).with_name("antifraud"))]

# --- synthetic call records --------------------------------------------------------------------------
HOME = ("701", "702", "705", "707", "747", "771", "775", "777")
FOREIGN = ("+4420", "+4915", "+9053", "+8613", "+3725", "+9955", "+9989")


def generate(count: int, out) -> None:
    """A day of a mid-size network at ~300 calls/s: subscribers calling each other (70 % answered),
    business lines, calls from abroad, and fraud in it: a wangiri campaign from a +882 block, IRSF
    bursts to premium and high-cost numbers, a SIM box, official numbers spoofed from abroad."""
    rng = random.Random(2026)
    write = out.write
    write("start,caller,callee,duration_s,answered,trunk,cell_id\n")
    start = 1_764_547_200.0
    for i in range(count):
        start += rng.expovariate(300.0)
        t = int(start)
        kind = rng.random()
        callee = f"+7{rng.choice(HOME)}{rng.randrange(10_000_000):07d}"
        trunk = "domestic"
        if kind < 0.86:  # subscribers
            caller = f"+7{rng.choice(HOME)}{rng.randrange(2_000_000):07d}"
            if kind < 0.2:
                caller = "8" + caller[2:]  # the national form some switches write
        elif kind < 0.93:  # business lines: many calls each
            caller = f"+77172{rng.randrange(3000):06d}"
        elif kind < 0.985:  # from abroad
            caller = f"{rng.choice(FOREIGN)}{rng.randrange(10_000_000):07d}"
            trunk = "international"
        elif kind < 0.992:  # wangiri: one ring from a rotating +882 block
            caller = f"+88234567{rng.randrange(1000):03d}"
            write(f"{t},{caller},{callee},{rng.randrange(1, 4)},0,international,W\n")
            continue
        elif kind < 0.995:  # IRSF: long calls from hacked PBX lines to premium / high-cost numbers
            caller = f"+77172{rng.randrange(20):06d}"
            callee = rng.choice(("+78091234567", "+5352345678", "+88216000111"))
            write(f"{t},{caller},{callee},{rng.randrange(600, 3600)},1,domestic,I\n")
            continue
        elif kind < 0.998:  # SIM box: local SIMs terminating bypassed calls, fanning out
            caller = f"+7747{rng.randrange(5):07d}"
        else:  # official numbers spoofed from abroad
            caller = rng.choice(("+77272585965", "+77172555555"))
            trunk = "international"
        answered = rng.random() < 0.7
        duration = int(rng.expovariate(1 / 90)) if answered else rng.randrange(40)
        write(f"{t},{caller},{callee},{duration},{int(answered)},{trunk},C{i % 997}\n")


# --- Kamailio ----------------------------------------------------------------------------------------
def listed_table(count: int, salt: int = 0) -> str:
    rows = [f"+7700{(i * 7919 + salt) % 10_000_000:07d}:wangiri\n" for i in range(count)]
    rows.sort()
    unique = list(dict.fromkeys(rows))
    return NUMBERS_HEADER + "".join(unique)


# The connected-call scenario of the tests (tests/e2e/sip.py), the caller taken from the injection file.
SCENARIO = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="call">\n'
    + sip.INVITE.replace("{caller}", "[field0]").replace("{extra}", "")
    + sip.SCENARIOS["connected"].replace("{caller}", "[field0]")
    + "</scenario>\n"
)


def kamailio_cpu(pid: int) -> float:
    """CPU seconds of Kamailio's main process and its children (its workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def place_calls(workdir: Path, port: int, calls: int, rate: int) -> tuple[float, int]:
    """(seconds, failed calls) for `calls` calls at up to `rate` calls/s."""
    (workdir / "call.xml").write_text(SCENARIO)
    with (workdir / "callers.csv").open("w") as fh:
        fh.write("SEQUENTIAL\n")
        rng = random.Random(5)
        for _ in range(5000):
            fh.write(f"+7701{rng.randrange(10_000_000):07d};\n")
    started = time.monotonic()
    result = subprocess.run(
        ["sipp", f"127.0.0.1:{port}", "-sf", str(workdir / "call.xml"), "-inf", str(workdir / "callers.csv"),
         "-s", "77011112222", "-m", str(calls), "-r", str(rate), "-l", "1000", "-i", "127.0.0.1", "-p", "0",
         "-nostdin", "-timeout", "300s", "-trace_stat", "-stf", str(workdir / "stat.csv"), "-fd", "1000"],
        capture_output=True, cwd=workdir, check=False, timeout=400,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    failed = 0
    rows = list(csv.reader((workdir / "stat.csv").read_text().splitlines(), delimiter=";"))
    if len(rows) >= 2:
        failed = int(rows[-1][rows[0].index("FailedCall(C)")])
    if result.returncode not in {0, 1}:
        raise RuntimeError(f"sipp exited {result.returncode}: {result.stderr.decode()[-500:]}")
    return elapsed, failed


def run_proxy(listed_table_text: str, defines: dict[str, str], calls: int, rate: int) -> tuple[float, int, float]:
    """(calls/s, failed calls, Kamailio CPU µs per call) for one Kamailio and one sipp run."""
    with tempfile.TemporaryDirectory(prefix="bench-kam-") as tmp:
        workdir = Path(tmp)
        with SippUas(workdir) as uas, Kamailio(
            workdir, next_hop=uas.port, tables={"phones.kamailio": listed_table_text},
            defines={"BLOCKLIST_SIZE": "20", "CHILDREN": "4", "LOG_LEVEL": "0", **defines}, shm_mb=3072,
        ) as proxy:  # fmt: skip
            if proxy.proc is None:
                raise RuntimeError("kamailio is not running")
            cpu_before = kamailio_cpu(proxy.proc.pid)
            elapsed, failed = place_calls(workdir, proxy.domestic_port, calls, rate)
            cpu = kamailio_cpu(proxy.proc.pid) - cpu_before
    return calls / elapsed, failed, cpu / calls * 1e6


def bench_kamailio(listed: int, calls: int, rate: int, rounds: int = 2) -> None:
    print(f"\n== Kamailio: {listed:,} listed numbers vs the same Kamailio without the lookup")
    table = listed_table(listed)
    configs = {"no lookup": {"WITHOUT_LOOKUP": ""}, f"{listed:,} listed": {}}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    for round_ in range(1, rounds + 1):  # alternated: the machine's drift hits both alike
        for name, defines in configs.items():
            rate_got, failed, per_call = run_proxy(table, defines, calls, rate)
            cpu[name].append(per_call)
            print(f"round {round_} {name:>20}: {calls} calls at {rate}/s: {rate_got:6.0f} calls/s, {failed} failed, "
                  f"Kamailio {per_call:6.1f} µs CPU per call")  # fmt: skip
    base, listed_cpu = (sum(v) / len(v) for v in cpu.values())
    print(f"Kamailio CPU per call with the lookup / without: {listed_cpu / base:.2f}x "
          f"(calls/s the lookup allows on one core: {1e6 / listed_cpu:,.0f} vs {1e6 / base:,.0f})")  # fmt: skip
    saturated = {name: run_proxy(table, defines, calls * 3, 50_000) for name, defines in configs.items()}
    (base_rate, base_failed, _), (rate_listed, failed_listed, _) = saturated.values()
    print(f"saturated (sipp asked for 50,000/s, everything on 2 cores): {base_rate:,.0f} calls/s without "
          f"({base_failed} failed), {rate_listed:,.0f} with ({failed_listed} failed): "
          f"{rate_listed / base_rate:.2f}x")  # fmt: skip


def bench_reload(listed: int) -> None:
    print(f"\n== reload of {listed:,} numbers")
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        workdir = Path(tmp)
        table = listed_table(listed)
        started = time.monotonic()
        with Kamailio(workdir, next_hop=5080, tables={"phones.kamailio": table},
                      defines={"BLOCKLIST_SIZE": "20", "LOG_LEVEL": "0"}, shm_mb=3072) as proxy:  # fmt: skip
            print(f"start with the table loaded: {time.monotonic() - started:.2f} s")
            spec = TABLES["phones.kamailio"]
            for version in (1, 2, 3):
                changed = listed_table(listed, salt=version * 101)
                write_table(proxy.tables_dir, spec, changed.encode())
                began = time.monotonic()
                proxy.rpc("htable.reload", "blocklist")
                print(f"htable.reload #{version}: {time.monotonic() - began:.2f} s")
            got = sum(t["all"] for t in proxy.rpc("htable.stats") if t["name"] == "blocklist")
            print(f"entries after reload: {got:,}")


def bench_agent(listed: int) -> None:
    print(f"\n== agent: a 1,000-entry delta on a {listed:,}-number table")
    table = listed_table(listed).encode()
    lines = table.decode().splitlines()
    added = [f"++7709{i:07d}:phishing" for i in range(500)]
    removed = [f"-{line.split(':')[0]}" for line in lines[1:501]]
    delta = "\n".join(["# antifraud db_text delta", "# from_version: 1", "# to_version: 2", *added, *removed])
    started = time.process_time()
    body, _ = apply_dbtext_delta(table, (delta + "\n").encode(), 1)
    applied = time.process_time() - started
    started = time.process_time()
    sha256_hex(body)
    hashed = time.process_time() - started
    started = time.process_time()
    check_table(TABLES["phones.kamailio"], body)
    checked = time.process_time() - started
    print(f"apply {applied:.2f} s, sha256 {hashed:.3f} s, check rows {checked:.2f} s ({len(body) / 1e6:.1f} MB)")


# --- cdr analyze --------------------------------------------------------------------------------------
BARE = "import csv,sys\nwith open(sys.argv[1], newline='') as f:\n    for row in csv.reader(f): pass\n"


def child_cpu(command: list[str], **kwargs) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, peak RSS MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO, **kwargs)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, wall, after.ru_maxrss // 1024


def bench_cdr(records: int) -> None:
    print(f"\n== cdr analyze on {records:,} records vs a bare csv loop")
    with tempfile.TemporaryDirectory(prefix="bench-cdr-") as tmp:
        path = Path(tmp) / "cdr.csv"
        with path.open("w") as fh:
            generate(records, fh)
        size = path.stat().st_size
        for attempt in (1, 2):
            bare_cpu, _, _ = child_cpu([sys.executable, "-c", BARE, str(path)])
            cdr_cpu, cdr_wall, _ = child_cpu([*ANTIFRAUD, "cdr", "analyze", str(path)])
            print(f"run {attempt}: bare csv {records / bare_cpu:,.0f} records/s; cdr analyze "
                  f"{records / cdr_cpu:,.0f} records/s CPU ({records / cdr_wall:,.0f} wall) = "
                  f"{bare_cpu / cdr_cpu:.2f}x the bare loop ({size / 1e6:.0f} MB)")  # fmt: skip
        findings = subprocess.run([*ANTIFRAUD, "cdr", "analyze", str(path)], capture_output=True, text=True,
                                  cwd=REPO, check=False).stdout.splitlines()  # fmt: skip
        kinds: dict[str, int] = {}
        for line in findings:
            pattern = line.split('"pattern": "', 1)[1].split('"', 1)[0]
            kinds[pattern] = kinds.get(pattern, 0) + 1
        print(f"findings: {len(findings)} {dict(sorted(kinds.items()))}")


def bench_memory(records: int) -> None:
    print(f"\n== memory: cdr analyze - on {records:,} records generated on the fly")
    for count in (records // 10, records):
        with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
            peak_file = Path(tmp) / "peak"
            generator = subprocess.Popen([sys.executable, __file__, "--generate", str(count)], stdout=subprocess.PIPE)
            started = time.monotonic()
            # /usr/bin/time reports the peak RSS of the analysis process alone
            subprocess.run(
                ["/usr/bin/time", "-o", str(peak_file), "-f", "%M", *ANTIFRAUD, "cdr", "analyze", "-"],
                stdin=generator.stdout, stdout=subprocess.DEVNULL, check=True, cwd=REPO,
            )  # fmt: skip
            wall = time.monotonic() - started
            generator.wait()
            peak_mb = int(peak_file.read_text().split()[-1]) // 1024
        print(f"{count:>12,} records: peak RSS {peak_mb} MB, {count / wall:,.0f} records/s wall (generator included)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listed", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--memory-records", type=int, default=10_000_000)
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out")
    parser.add_argument("--generate", type=int, help="write N call records to stdout and exit")
    args = parser.parse_args()
    if args.generate is not None:
        generate(args.generate, sys.stdout)
        return 0
    for binary in ("kamailio", "sipp"):
        if shutil.which(binary) is None and not Path(f"/usr/sbin/{binary}").exists():
            print(f"{binary} is missing: install Debian's kamailio and sip-tester (make peers)")
            return 1
    print(f"load: {Path('/proc/loadavg').read_text().strip()}; {os.cpu_count()} cores")
    skip = set(args.skip.split(","))
    if "kamailio" not in skip:
        bench_kamailio(args.listed, args.calls, args.rate)
    if "reload" not in skip:
        bench_reload(args.listed)
    if "agent" not in skip:
        bench_agent(args.listed)
    if "cdr" not in skip:
        bench_cdr(args.records)
    if "memory" not in skip:
        bench_memory(args.memory_records)
    print(f"\nload: {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
