"""A real Kamailio (Debian's 5.6) running config/kamailio/kamailio.cfg refuses the center's listed
callers, lets clean calls through to a sipp UAS, and picks up a new list without a restart.

Calls are placed with sipp (sip-tester) on loopback. The tables are rendered by the center's own
formats (blocklists.formats), so these tests also prove that Kamailio loads what the center publishes.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from peers import require_binary
from sip import Kamailio, SippUas, free_udp_port, sipp_call

from antifraud.domain.model import Category, ListEntry, Snapshot
from blocklists.formats import FORMATS
from blocklists.telecom import render_official_table

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LISTED = "+77011234567"
CLEAN = "+77017777777"


def tables(*entries: ListEntry, official: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    snapshot = Snapshot(1, T0, phones=entries)
    return {
        "phones.kamailio": FORMATS["phones.kamailio"].render(snapshot).decode(),
        "phones.ranges.kamailio": FORMATS["phones.ranges.kamailio"].render(snapshot).decode(),
        "phones.official.kamailio": render_official_table(official).decode(),
    }


SAMPLE = tables(
    ListEntry(LISTED, Category.WANGIRI, 90, T0),
    ListEntry("+79161234567", Category.SMS_SCAM, 80, T0),
    ListEntry("1414", Category.BANK_IMPERSONATION, 80, T0),
    ListEntry("+7701999*", Category.WANGIRI, 80, T0),
    official=(("+77272585965", "Kaspi Bank"), ("9999", "Kaspi Bank")),
)


@pytest.fixture
def uas(tmp_path):
    with SippUas(tmp_path) as server:
        yield server


@pytest.fixture
def kamailio(tmp_path, uas):
    with Kamailio(tmp_path, next_hop=uas.port, tables=SAMPLE) as proxy:
        yield proxy


def test_a_listed_caller_is_refused_with_603_and_a_reason_naming_the_category(kamailio):
    call = sipp_call(kamailio.domestic_port, LISTED)
    assert call.outcome == "refused", call.reason
    assert call.refused_with == "wangiri"
    assert call.reason.startswith("SIP;cause=603")
    assert kamailio.statistic("antifraud_blocked") == 1
    assert kamailio.hits() == {LISTED: 1}


@pytest.mark.parametrize(
    "presented", ["87011234567", "77011234567", "+7(701)123-45-67", "8-701-123-45-67", "7011234567", "0077011234567"]
)
def test_the_same_caller_presented_the_ways_kz_ru_networks_do_is_refused(kamailio, presented):
    call = sipp_call(kamailio.domestic_port, presented)
    assert call.refused_with == "wangiri", call.reason
    assert kamailio.hits() == {LISTED: 1}, "every form counts against the listed number"


def test_a_clean_call_is_relayed_and_connects(kamailio):
    call = sipp_call(kamailio.domestic_port, CLEAN, "connected")
    assert call.outcome == "connected", call.reason
    assert kamailio.statistic("antifraud_blocked") == 0


def test_a_caller_inside_a_listed_range_is_refused_and_counted_under_the_range(kamailio):
    assert sipp_call(kamailio.domestic_port, "87019995555").refused_with == "wangiri"
    assert sipp_call(kamailio.domestic_port, "+77019990001").refused_with == "wangiri"
    assert kamailio.hits() == {"+7701999*": 2}
    assert sipp_call(kamailio.domestic_port, "+77019989999", "connected").outcome == "connected"


def test_short_codes_and_foreign_numbers_are_looked_up_as_listed(kamailio):
    assert sipp_call(kamailio.domestic_port, "1414").refused_with == "bank_impersonation"
    assert sipp_call(kamailio.international_port, "+79161234567").refused_with == "sms_scam"


def test_the_asserted_identity_is_the_caller_when_the_trunk_sends_one(kamailio):
    call = sipp_call(kamailio.domestic_port, CLEAN, pai=LISTED)
    assert call.refused_with == "wangiri", call.reason


def test_an_official_number_arriving_on_the_international_trunk_is_refused_as_spoofed(kamailio):
    for presented in ("+77272585965", "87272585965", "9999"):
        call = sipp_call(kamailio.international_port, presented)
        assert call.refused_with == "spoofed_call", (presented, call.reason)
    assert kamailio.statistic("antifraud_spoofed") == 3
    assert kamailio.hits() == {}, "official numbers are never list hits"
    # the bank's own calls, on the domestic trunk, go through
    assert sipp_call(kamailio.domestic_port, "+77272585965", "connected").outcome == "connected"


@pytest.mark.parametrize("disguised", ["+77011234567;cpc=ordinary", "%2B77011234567", "8.701.123.45.67"])
def test_a_listed_caller_cannot_walk_past_the_list_in_disguise(kamailio, disguised):
    call = sipp_call(kamailio.domestic_port, disguised)
    assert call.refused_with == "wangiri", call.reason


@pytest.mark.parametrize("hostile", ["anonymous", "+7701123456700000000000000", "+7701'OR'1", "%00%0d%0a", "+" * 300])
def test_an_attackers_caller_id_is_not_a_number_and_never_breaks_the_proxy(kamailio, hostile):
    call = sipp_call(kamailio.domestic_port, hostile, "connected")
    assert call.outcome == "connected", call.reason
    # a From that is not even SIP gets an error reply, and the proxy goes on
    assert sipp_call(kamailio.domestic_port, "+7 701 123", "connected").outcome == "failed"
    assert sipp_call(kamailio.domestic_port, LISTED).refused_with == "wangiri"


def test_a_new_version_of_the_list_is_enforced_within_seconds_without_a_restart(kamailio):
    started = kamailio.rpc("core.uptime")["up_since"]
    pid = kamailio.proc.pid
    assert sipp_call(kamailio.domestic_port, CLEAN, "connected").outcome == "connected"
    # three versions within one second: each is read, because each file's mtime moves forward
    for category in (Category.SMS_SCAM, Category.OTHER, Category.PHISHING):
        kamailio.write_table("phones.kamailio", tables(ListEntry(CLEAN, category, 90, T0))["phones.kamailio"])
        began = time.monotonic()
        assert kamailio.rpc("htable.reload", "blocklist") == "Ok. Htable reloaded."
        assert time.monotonic() - began < 2
        assert kamailio.rpc("htable.get", "blocklist", CLEAN)["item"]["value"] == category.value
    kamailio.write_table("phones.ranges.kamailio", tables()["phones.ranges.kamailio"])
    kamailio.rpc("mtree.reload", "ranges")
    call = sipp_call(kamailio.domestic_port, CLEAN)
    assert call.refused_with == "phishing", call.reason
    # the old entries are gone, the range included
    assert sipp_call(kamailio.domestic_port, LISTED, "connected").outcome == "connected"
    assert sipp_call(kamailio.domestic_port, "+77019995555", "connected").outcome == "connected"
    assert kamailio.rpc("core.uptime")["up_since"] == started
    assert kamailio.proc.pid == pid


def test_a_broken_table_is_refused_by_the_reload_and_the_loaded_list_stays(kamailio):
    kamailio.write_table("phones.kamailio", "number(str) reason(str)\n+77015550000\\q:phishing\n")
    with pytest.raises(RuntimeError, match="reload failed"):
        kamailio.rpc("htable.reload", "blocklist")
    assert sipp_call(kamailio.domestic_port, LISTED).refused_with == "wangiri"


def test_calls_placed_while_a_large_list_is_reloaded_see_the_old_or_the_new_list(kamailio):
    rows = "".join(f"+7702{i:07d}:wangiri\n" for i in range(100_000))
    kamailio.write_table("phones.kamailio", "number(str) reason(str)\n" + rows)
    reload = subprocess.Popen(
        ["curl", "-s", "-X", "POST", kamailio.rpc_url, "-d", RELOAD_BLOCKLIST],
        stdout=subprocess.PIPE,
    )
    during = [sipp_call(kamailio.domestic_port, "+77020000007", "either") for _ in range(3)]
    out, _ = reload.communicate(timeout=60)
    assert b"Ok. Htable reloaded." in out
    assert all(call.outcome in {"refused", "connected"} for call in during), [c.reason for c in during]
    assert sipp_call(kamailio.domestic_port, "+77020099999").refused_with == "wangiri"


RELOAD_BLOCKLIST = '{"jsonrpc":"2.0","method":"htable.reload","params":["blocklist"],"id":1}'


def test_kamailio_loads_the_expiring_table_with_unix_times(tmp_path):
    """phones.expires.kamailio in htable's own five columns: an expired listing is skipped at load."""
    binary = require_binary("kamailio", "kamailio")
    snapshot = Snapshot(
        1,
        T0,
        phones=(
            ListEntry("+77011111111", Category.WANGIRI, 90, T0, datetime.now(UTC) + timedelta(days=3)),
            ListEntry("+77012222222", Category.WANGIRI, 90, T0, datetime.now(UTC) - timedelta(days=1)),
            ListEntry("+77013333333", Category.SMS_SCAM, 90, T0),
        ),
    )
    db = tmp_path / "db"
    db.mkdir()
    (db / "phones.expires.kamailio").write_bytes(FORMATS["phones.expires.kamailio"].render(snapshot))
    port = free_udp_port()
    (tmp_path / "k.cfg").write_text(
        f"""#!KAMAILIO
listen=tcp:127.0.0.1:{port}
children=1
tcp_accept_no_cl=yes
loadmodule "db_text.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xhttp.so"
loadmodule "jsonrpcs.so"
loadmodule "htable.so"
modparam("jsonrpcs", "transport", 1)
modparam("htable", "db_url", "text://{db}")
modparam("htable", "db_expires", 1)
modparam("htable", "htable", "blocklist=>size=8;autoexpire=315360000;dbtable=phones.expires.kamailio")
request_route {{ sl_send_reply("404", "no"); }}
event_route[xhttp:request] {{ jsonrpc_dispatch(); }}
"""
    )
    proc = subprocess.Popen(
        [binary, "-f", str(tmp_path / "k.cfg"), "-DD", "-E", "-Y", str(tmp_path), "-w", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        proxy = Kamailio.__new__(Kamailio)
        proxy.rpc_url = f"http://127.0.0.1:{port}/RPC"
        deadline = time.monotonic() + 15
        while True:
            try:
                dump = proxy.rpc("htable.dump", "blocklist")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        loaded = {item["name"]: item["value"] for slot in dump for item in slot["slot"]}
        assert loaded == {"+77011111111": "wangiri", "+77013333333": "sms_scam"}
        item = proxy.rpc("htable.get", "blocklist", "+77011111111")["item"]
        assert item["expire"] != "NEVER"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_shipped_configuration_passes_kamailios_own_check(tmp_path):
    binary = require_binary("kamailio", "kamailio")
    for mode in ({}, {"WITH_PERCALL": ""}):
        proxy = Kamailio(tmp_path / str(len(mode)), next_hop=5080, defines=mode)
        result = subprocess.run(
            [binary, "-c", "-f", str(proxy.workdir / "kamailio.cfg")],
            capture_output=True,
            text=True,
            check=False,
            cwd=proxy.workdir,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert shutil.which("kamcmd") or Path("/usr/sbin/kamcmd").exists()
