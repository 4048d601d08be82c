"""The rendered lists as the real consumers read them: BIND's checkers, Unbound and dnsmasq from Debian.

The golden files (the bytes the unit tests pin) are checked first, then lists rendered here are loaded
into a running Unbound and dnsmasq on loopback, which must answer NXDOMAIN for a listed name and its
subdomains and leave unlisted names alone.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from peers import KZ_ZONE, require_binary, unbound_config

from antifraud.domain.model import Category, ListEntry, Snapshot
from blocklists.formats import FORMATS

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "blocklists"
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ORIGIN = "rpz.antifraud.kz"


def snapshot_of(*domains: str, version: int = 7) -> Snapshot:
    return Snapshot(version, T0, tuple(ListEntry(d, Category.PHISHING, 90, T0) for d in domains))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rcode(port: int, name: str) -> int:
    return int(dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=2).rcode())


def wait_until_answering(port: int, name: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited: {proc.communicate()[0]}"
        try:
            rcode(port, name)
        except (OSError, dns.exception.Timeout):
            time.sleep(0.1)
        else:
            return
    raise AssertionError(f"no answer on port {port} within 20 s")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        output, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output


# BIND -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", ["sample", "empty"])
def test_golden_rpz_passes_named_checkzone(folder):
    checkzone = require_binary("named-checkzone", "bind9-utils")
    result = run(checkzone, ORIGIN, str(GOLDEN / folder / "domains.rpz"))
    serial = 42 if folder == "sample" else 1
    assert f"loaded serial {serial}" in result.stdout


def test_a_large_rpz_with_long_names_passes_named_checkzone(tmp_path):
    checkzone = require_binary("named-checkzone", "bind9-utils")
    long_label = "a" * 63
    domains = [f"scam-{i}.kz" for i in range(3000)] + [f"{long_label}.{long_label}.{long_label}.kz", "x_y.example.com"]
    zone = tmp_path / "domains.rpz"
    zone.write_bytes(FORMATS["domains.rpz"].render(snapshot_of(*domains, version=2**32 - 1)))
    result = run(checkzone, "-i", "full", ORIGIN, str(zone))
    assert "loaded serial 4294967295" in result.stdout


def test_bind_loads_the_rpz_as_a_response_policy_zone(tmp_path):
    checkconf = require_binary("named-checkconf", "bind9-utils")
    conf = tmp_path / "named.conf"
    conf.write_text(
        f'options {{ directory "{tmp_path}"; response-policy {{ zone "{ORIGIN}"; }}; }};\n'
        f'zone "{ORIGIN}" {{ type primary; file "{GOLDEN / "sample" / "domains.rpz"}"; }};\n'
    )
    result = run(checkconf, "-z", str(conf))
    assert f"zone {ORIGIN}/IN: loaded serial 42" in result.stdout


# Unbound ----------------------------------------------------------------------------------------
def test_golden_unbound_lists_pass_unbound_checkconf(tmp_path):
    checkconf = require_binary("unbound-checkconf", "unbound")
    conf = tmp_path / "unbound.conf"
    conf.write_text(
        "server:\n"
        '  chroot: ""\n'
        '  username: ""\n'
        f'  directory: "{tmp_path}"\n'
        f'  include: "{GOLDEN / "sample" / "domains.unbound.conf"}"\n'
        f'  include: "{GOLDEN / "empty" / "domains.unbound.conf"}"\n'
    )
    run(checkconf, str(conf))


def test_unbound_enforces_the_rpz_zonefile_and_the_local_zone_list(tmp_path):
    unbound = require_binary("unbound", "unbound")
    checkconf = require_binary("unbound-checkconf", "unbound")
    # Two lists, one per format, so that each format is shown to block on its own.
    (tmp_path / "rpz.zone").write_bytes(
        FORMATS["domains.rpz"].render(snapshot_of("kaspi-bonus.kz", "xn----7sbe0aiwgergv.kz"))
    )
    (tmp_path / "local.conf").write_bytes(FORMATS["domains.unbound.conf"].render(snapshot_of("egov-pay.kz")))
    (tmp_path / "kz.zone").write_text(KZ_ZONE)
    port = free_port()
    conf = tmp_path / "unbound.conf"
    conf.write_text(
        unbound_config(
            tmp_path,
            port,
            rpz=f'zonefile: "{tmp_path}/rpz.zone"',
            rpz_name=f"{ORIGIN}.",
            include=tmp_path / "local.conf",
        )
    )
    run(checkconf, str(conf))
    proc = subprocess.Popen([unbound, "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_answering(port, "weather.kz", proc)
        assert rcode(port, "weather.kz") == dns.rcode.NOERROR
        for name in ("kaspi-bonus.kz", "login.kaspi-bonus.kz", "xn----7sbe0aiwgergv.kz", "a.b.xn----7sbe0aiwgergv.kz"):
            assert rcode(port, name) == dns.rcode.NXDOMAIN, f"{name} (RPZ)"
        for name in ("egov-pay.kz", "www.egov-pay.kz"):
            assert rcode(port, name) == dns.rcode.NXDOMAIN, f"{name} (local-zone)"
    finally:
        stop(proc)


# dnsmasq ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", ["sample", "empty"])
def test_golden_dnsmasq_lists_pass_dnsmasq_test(folder):
    dnsmasq = require_binary("dnsmasq", "dnsmasq-base")
    result = run(dnsmasq, "--test", f"--conf-file={GOLDEN / folder / 'domains.dnsmasq.conf'}")
    assert "syntax check OK" in result.stdout + result.stderr


def test_dnsmasq_answers_nxdomain_for_a_listed_name_and_its_subdomains(tmp_path):
    dnsmasq = require_binary("dnsmasq", "dnsmasq-base")
    listed = tmp_path / "domains.dnsmasq.conf"
    listed.write_bytes(FORMATS["domains.dnsmasq.conf"].render(snapshot_of("kaspi-bonus.kz", "egov-pay.kz")))
    port = free_port()
    # address=/kz/ stands in for the upstream: every other .kz name gets an address, so a NXDOMAIN
    # can only come from the list (dnsmasq takes the longest matching domain).
    args = [
        dnsmasq,
        "--keep-in-foreground",
        "--log-facility=-",
        f"--port={port}",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        f"--pid-file={tmp_path / 'dnsmasq.pid'}",
        "--address=/kz/192.0.2.1",
        f"--conf-file={listed}",
    ]
    if shutil.which("id") and subprocess.run(["id", "-u"], capture_output=True, text=True, check=False).stdout == "0\n":
        args.append("--user=root")  # as root dnsmasq would switch to `nobody`, which may not read tmp_path
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_answering(port, "weather.kz", proc)
        assert rcode(port, "weather.kz") == dns.rcode.NOERROR
        for name in ("kaspi-bonus.kz", "login.kaspi-bonus.kz", "egov-pay.kz", "a.b.egov-pay.kz"):
            assert rcode(port, name) == dns.rcode.NXDOMAIN, name
        assert rcode(port, "not-kaspi-bonus.kz") == dns.rcode.NOERROR
    finally:
        stop(proc)


def test_an_empty_list_at_version_zero_is_a_valid_zone(tmp_path):
    # A new center publishes an empty list first; a resolver must accept it and keep answering.
    checkzone = require_binary("named-checkzone", "bind9-utils")
    zone = tmp_path / "empty.rpz"
    zone.write_bytes(FORMATS["domains.rpz"].render(snapshot_of(version=0)))
    assert "loaded serial 0" in run(checkzone, ORIGIN, str(zone)).stdout
