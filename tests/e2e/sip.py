"""A real Kamailio running config/kamailio/kamailio.cfg, and sipp calls through it, for end-to-end tests.

    with SippUas(tmp_path) as uas, Kamailio(tmp_path, next_hop=uas.port) as kamailio:
        assert sipp_call(kamailio.domestic_port, "+77011234567").refused_with == "wangiri"
        assert sipp_call(kamailio.domestic_port, "+77017777777", "connected").outcome == "connected"

The configuration file is copied as it is into a temporary directory next to an `antifraud-local.cfg`
holding this run's ports and paths (the site file the recipe in docs/telecom.md tells operators to
write), so the tests run exactly the configuration that is shipped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
from peers import require_binary

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "kamailio" / "kamailio.cfg"
START_TIMEOUT = 20.0
EMPTY_TABLES = {
    "phones.kamailio": "number(str) reason(str)\n",
    "phones.ranges.kamailio": "prefix(string) reason(string) listed(string)\n",
    "phones.official.kamailio": "number(str) brand(str)\n",
}


def require_module(name: str, debian_package: str) -> None:
    """A Kamailio module from a package of its own (http_client, jansson): skipped on a developer's
    machine without it, a failure under CI=true, like tests/peers.require_binary."""
    if any(Path("/usr/lib").glob(f"*/kamailio/modules/{name}.so")):
        return
    message = f"Kamailio's {name} module is missing: install the Debian package {debian_package}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)


def free_udp_port() -> int:
    """A port free for UDP and TCP on loopback now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


class Kamailio:
    """Debian's kamailio with the shipped configuration, on free loopback ports, in its own directory."""

    def __init__(
        self,
        workdir: Path,
        *,
        next_hop: int,
        tables: dict[str, str] | None = None,
        defines: dict[str, str] | None = None,
        shm_mb: int = 256,
    ) -> None:
        self.shm_mb = shm_mb
        self.binary = require_binary("kamailio", "kamailio")
        self.workdir = workdir / "kamailio"
        self.tables_dir = self.workdir / "tables"
        self.run_dir = self.workdir / "run"
        for d in (self.tables_dir, self.run_dir):
            d.mkdir(parents=True, exist_ok=True)
        for name, text in {**EMPTY_TABLES, **(tables or {})}.items():
            (self.tables_dir / name).write_text(text)
        self.domestic_port = free_udp_port()
        self.international_port = free_udp_port()
        self.rpc_port = free_udp_port()
        self.rpc_url = f"http://127.0.0.1:{self.rpc_port}/RPC"
        settings = {
            "DOMESTIC_PORT": str(self.domestic_port),
            "INTERNATIONAL_PORT": str(self.international_port),
            "RPC_PORT": str(self.rpc_port),
            "NEXT_HOP": f'"sip:127.0.0.1:{next_hop}"',
            "TABLES_URL": f'"text://{self.tables_dir}"',
            "CTL_SOCKET": f'"unix:{self.run_dir}/kamailio_ctl"',
            "CHILDREN": "2",
            **(defines or {}),
        }
        lines = []
        for name, value in settings.items():
            if name in {"BLOCKLIST_SIZE", "CENTER_RETRY_AFTER"}:  # used inside strings: substdef
                lines.append(f'#!substdef "!{name}!{value}!g"')
            elif value == "":
                lines.append(f"#!define {name}")
            else:
                lines.append(f"#!define {name} {value}")
        shutil.copy(CONFIG, self.workdir / "kamailio.cfg")
        (self.workdir / "antifraud-local.cfg").write_text("\n".join(lines) + "\n")
        self.log_path = self.workdir / "kamailio.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "-f",
                str(self.workdir / "kamailio.cfg"),
                "-DD",
                "-E",
                "-m",
                str(self.shm_mb),
                "-M",
                "32",
                "-x",
                "tlsf",  # the allocator with the least overhead per fragment: a table row is several
                "-Y",
                str(self.run_dir),
                "-w",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kamailio exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                self.rpc("core.uptime")
            except OSError:
                time.sleep(0.1)
                continue
            return
        self.stop()
        raise RuntimeError(f"kamailio did not answer JSON-RPC in {START_TIMEOUT:g} s:\n{self.logs()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call over HTTP; the `result`, or RuntimeError with the `error`."""
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}).encode()
        request = urllib.request.Request(  # noqa: S310 - an http:// URL on loopback, built here
            self.rpc_url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:  # a fault comes with an HTTP error status and its JSON body
            answer = json.loads(exc.read() or b"{}") or {"error": str(exc)}
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def statistic(self, name: str) -> int:
        for line in self.rpc("stats.get_statistics", "all"):
            key, _, value = line.partition(" = ")
            if key == f"script:{name}":
                return int(value)
        raise AssertionError(f"no statistic {name}")

    def hits(self) -> dict[str, int]:
        return {item["name"]: item["value"] for slot in self.rpc("htable.dump", "hits") for item in slot["slot"]}

    def write_table(self, name: str, text: str) -> None:
        """Replace a table file the way the agent does: atomically, with a newer modification time."""
        path = self.tables_dir / name
        before = path.stat().st_mtime
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        mtime = max(time.time(), before + 1)
        os.utime(tmp, (mtime, mtime))
        tmp.replace(path)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        if kind is not None:
            sys.stderr.write(f"--- kamailio output ({self.log_path}) ---\n{self.logs()[-20000:]}\n")


UAS_SCENARIO = """<?xml version="1.0" encoding="UTF-8"?>
<scenario name="uas">
<recv request="INVITE" crlf="true"/>
<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
<recv request="ACK" crlf="true"/>
<recv request="BYE"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


class SippUas:
    """A sipp UAS on a free loopback port: answers 200, then takes the ACK and the BYE through the
    proxy. Unlike sipp's built-in one it echoes Record-Route, so the ACK and the BYE come back along
    the proxy's route (and a call only counts as connected when they reached this UAS)."""

    def __init__(self, workdir: Path) -> None:
        self.binary = require_binary("sipp", "sip-tester")
        self.port = free_udp_port()
        self.log_path = workdir / "sipp-uas.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        log = self.log_path.open("ab")
        scenario = self.log_path.with_name("sipp-uas.xml")
        scenario.write_text(UAS_SCENARIO)
        self.proc = subprocess.Popen(
            [self.binary, "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(self.port), "-nostdin"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        time.sleep(0.3)
        if self.proc.poll() is not None:
            raise RuntimeError(f"sipp uas exited with {self.proc.returncode}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


INVITE = """<send retrans="500" start_txn="invite"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
{extra}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
<recv response="100" optional="true" response_txn="invite"/>
<recv response="180" optional="true" response_txn="invite"/>
"""

ACK_603 = """<send ack_txn="invite"><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-{back}]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

DECLINED = """<recv response="603" response_txn="invite"{next}>
  <action>
    <ereg regexp=".*" search_in="hdr" header="Reason:" check_it="true" assign_to="reason"/>
    <log message="reason=[$reason]"/>
  </action>
</recv>
"""

ANSWERED = """<recv response="200" rrs="true" response_txn="invite"/>
<send ack_txn="invite"><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
[routes]
CSeq: 1 ACK
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<send retrans="500" start_txn="bye"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
[routes]
CSeq: 2 BYE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" response_txn="bye"/>
<nop><action><log message="outcome=connected"/></action></nop>
"""

# The scenario after the INVITE (message 0) and the optional 100 and 180 (1, 2): [branch-N] gives the
# ACK of a 603 the branch of the INVITE, N messages back.
SCENARIOS = {
    "refused": DECLINED.replace("{next}", "") + ACK_603.replace("{back}", "4"),
    "connected": ANSWERED,
    # either outcome, said in the log: a call placed while the list changes under it
    "either": DECLINED.replace("{next}", ' optional="true" next="declined"')
    + ANSWERED
    + '<nop next="end"/>\n<label id="declined"/>\n'
    + ACK_603.replace("{back}", "10")
    + '<nop><action><log message="outcome=refused"/></action></nop>\n<label id="end"/>\n',
}


@dataclass(frozen=True)
class CallResult:
    outcome: str  # "refused" (603), "connected" (200, ACK, BYE) or "failed" (anything else)
    reason: str  # the Reason header of a 603, or sipp's account of a failed call
    seconds: float

    @property
    def refused_with(self) -> str | None:
        """The category in `Reason: SIP;cause=603;text="<category>"`, or None when not refused."""
        if self.outcome != "refused":
            return None
        marker = 'text="'
        start = self.reason.find(marker)
        return self.reason[start + len(marker) :].split('"', 1)[0] if start >= 0 else ""


def sipp_call(
    port: int,
    caller: str,
    expect: str = "refused",
    *,
    callee: str = "77011112222",
    pai: str | None = None,
    timeout: float = 8,
) -> CallResult:
    """One call from `caller` to `callee` through the proxy on 127.0.0.1:`port`, run with the scenario
    of the outcome the test expects ("refused": a 603 then our ACK; "connected": 200, ACK, BYE; "either"
    of them). When the call does something else the result is "failed", with sipp's account of it."""
    binary = require_binary("sipp", "sip-tester")
    extra = f"P-Asserted-Identity: <sip:{pai}@[local_ip]>\n" if pai else ""
    tail = SCENARIOS[expect]
    scenario = f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="{expect}">\n{INVITE}{tail}</scenario>\n'
    scenario = scenario.replace("{caller}", caller).replace("{extra}", extra)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sipp-") as name:
        workdir = Path(name)
        (workdir / "call.xml").write_text(scenario)
        log, errors = workdir / "call.log", workdir / "errors.log"
        result = subprocess.run(
            [
                binary,
                f"127.0.0.1:{port}",
                "-sf",
                str(workdir / "call.xml"),
                "-s",
                callee,
                "-m",
                "1",
                "-i",
                "127.0.0.1",
                "-p",
                "0",
                "-nostdin",
                "-timeout",
                f"{timeout:g}s",
                "-timeout_error",
                "-trace_logs",
                "-log_file",
                str(log),
                "-trace_err",
                "-error_file",
                str(errors),
            ],
            capture_output=True,
            timeout=timeout + 10,
            check=False,
            cwd=workdir,
        )
        seconds = time.monotonic() - started
        if result.returncode != 0:
            account = errors.read_text(errors="replace") if errors.exists() else result.stderr.decode(errors="replace")
            return CallResult("failed", account[-3000:], seconds)
        text = log.read_text() if log.exists() else ""
        reason = text.split("reason=", 1)[1].splitlines()[0].strip() if "reason=" in text else ""
        outcome = expect if expect != "either" else text.split("outcome=", 1)[1].split()[0]
        return CallResult(outcome, reason, seconds)
