"""The zone server's pure handler: answers, refusals and an attacker's bytes, with no socket."""

from __future__ import annotations

import struct

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import dns.xfr
import dns.zone
import pytest
from fakes_zone import entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antifraud.domain.model import Category, DecisionOrigin, Delta, ListKind
from blocklists.zone.config import Access, ServerConfig, SoaTimers, ZoneSpec, consumer, tsig_key
from blocklists.zone.handler import QueryHandler, Transport
from blocklists.zone.zones import apply_all, load

NOW = 1_800_000_000.0
ZONE = "rpz.antifraud."
SECRET = "3Kq0o0mT1uC4cbqXWl2Z1yBDhk0vNgYhYk1CcJ7uQ5M="


def handler(config: ServerConfig | None = None, entries=None, serial: int = 7) -> QueryHandler:
    config = config or ServerConfig()
    h = QueryHandler(config, lambda: NOW)
    values = entries if entries is not None else [entry("egov-pay.kz"), entry("kaspi-bonus.kz")]
    h.update(load(config.zones, serial, values))
    return h


def ask(h: QueryHandler, query: dns.message.Message | bytes, client="127.0.0.1", transport=Transport.TCP, **kw):
    wire = query if isinstance(query, bytes) else query.to_wire()
    return [dns.message.from_wire(m, **kw) for m in h.handle(wire, client, transport)]


def transfer(h: QueryHandler, query: dns.message.Message, client="127.0.0.1", **kw) -> list[dns.message.Message]:
    return ask(h, query, client, Transport.TCP, xfr=True, origin=dns.name.from_text(ZONE), **kw)


def axfr_query() -> dns.message.Message:
    return dns.message.make_query(ZONE, dns.rdatatype.AXFR)


def records(messages: list[dns.message.Message]) -> list[str]:
    return [str(rrset) for m in messages for rrset in m.answer]


def test_axfr_is_the_soa_the_records_and_the_soa_again():
    messages = transfer(handler(), axfr_query())
    assert all(m.rcode() == dns.rcode.NOERROR and m.flags & dns.flags.AA for m in messages)
    answer = [rr for m in messages for rr in m.answer]
    assert answer[0].rdtype == dns.rdatatype.SOA
    assert answer[0][0].serial == 7
    assert answer[-1].rdtype == dns.rdatatype.SOA
    text = records(messages)
    assert "kaspi-bonus.kz 300 IN CNAME ." in text
    assert "*.kaspi-bonus.kz 300 IN CNAME ." in text
    assert "*.egov-pay.kz 300 IN CNAME ." in text


def test_a_big_zone_comes_in_several_messages_that_rebuild_it_exactly():
    values = [entry(f"site-{i:05d}.example{'x' * (i % 40)}.kz") for i in range(3000)]
    values.sort(key=lambda e: e.value)
    messages = transfer(handler(entries=values), axfr_query())
    assert len(messages) > 3
    assert all(len(m.to_wire()) <= 65535 for m in messages)
    zone = dns.zone.Zone(ZONE)
    with zone.writer() as txn:
        for m in messages:
            for rrset in m.answer:
                txn.add(rrset)
    names = {n.to_text() for n in zone.nodes}
    assert len(names) == 2 * 3000 + 1
    assert "*.site-02999.example" + "x" * (2999 % 40) + ".kz" in names


def test_walled_garden_points_listed_names_to_the_warning_page():
    config = ServerConfig(zones=(ZoneSpec(ZONE, walled_garden="warning.antifraud.kz."),))
    text = records(transfer(handler(config), axfr_query()))
    assert "kaspi-bonus.kz 300 IN CNAME warning.antifraud.kz." in text
    assert "*.kaspi-bonus.kz 300 IN CNAME warning.antifraud.kz." in text


def test_zones_filter_by_category_and_origin():
    specs = (
        ZoneSpec("all.rpz."),
        ZoneSpec("analyst.rpz.", origins=frozenset({DecisionOrigin.ANALYST})),
        ZoneSpec("phishing.rpz.", categories=frozenset({Category.PHISHING})),
    )
    values = [
        entry("a.kz", Category.PHISHING, DecisionOrigin.ANALYST),
        entry("b.kz", Category.PYRAMID, DecisionOrigin.AUTO),
    ]
    h = handler(ServerConfig(zones=specs), values)
    served = {z.state.spec.name: z.state for z in h.zones.values()}
    assert len(served["all.rpz."].names) == 2
    assert ("a.kz", b"\xff\x01a\x02kz\x00") in served["analyst.rpz."].names
    assert len(served["analyst.rpz."].names) == 1
    assert len(served["phishing.rpz."].names) == 1


def ixfr(serial: int) -> dns.message.Message:
    zone = dns.zone.Zone(ZONE)
    with zone.writer() as txn:
        soa = dns.rdata.from_text("IN", "SOA", f"ns.antifraud. hostmaster.antifraud. {serial} 1 1 1 1")
        txn.add(dns.name.empty, 300, soa)
    query, _ = dns.xfr.make_query(zone)
    return query


def moved(h: QueryHandler, config: ServerConfig, *deltas: Delta) -> None:
    states = apply_all(tuple(z.state for z in h.zones.values()), deltas, config.journal_versions)
    h.update(states)


def test_ixfr_sends_only_what_changed_per_version():
    config = ServerConfig()
    h = handler(config)
    moved(
        h,
        config,
        Delta(ListKind.DOMAINS, 7, 8, (entry("new.kz"),), ("egov-pay.kz",)),
        Delta(ListKind.DOMAINS, 8, 9, (entry("other.kz"),), ()),
    )
    messages = transfer(h, ixfr(7))
    answer = [rr for m in messages for rr in m.answer]
    soas = [rr[0].serial for rr in answer if rr.rdtype == dns.rdatatype.SOA]
    assert soas == [9, 7, 8, 8, 9, 9]
    text = records(messages)
    assert "egov-pay.kz 300 IN CNAME ." in text
    assert "new.kz 300 IN CNAME ." in text
    assert not any("kaspi-bonus" in t for t in text)
    assert h.transfers[ZONE, "IXFR"] == 1


def test_ixfr_moves_an_entry_out_of_a_zone_when_its_category_changes():
    config = ServerConfig(zones=(ZoneSpec(ZONE, categories=frozenset({Category.PHISHING})),))
    h = handler(config)
    moved(h, config, Delta(ListKind.DOMAINS, 7, 8, (entry("egov-pay.kz", Category.PYRAMID),), ()))
    messages = transfer(h, ixfr(7))
    sections = [rr for m in messages for rr in m.answer]
    # current SOA, old SOA, the two deleted records, new SOA (nothing added), current SOA
    assert [rr.rdtype for rr in sections] == [dns.rdatatype.SOA] * 2 + [dns.rdatatype.CNAME] * 2 + [
        dns.rdatatype.SOA
    ] * 2


def test_ixfr_for_the_current_serial_is_one_soa_and_an_old_one_falls_back_to_axfr():
    config = ServerConfig(journal_versions=1)
    h = handler(config)
    moved(
        h,
        config,
        Delta(ListKind.DOMAINS, 7, 8, (entry("new.kz"),), ()),
        Delta(ListKind.DOMAINS, 8, 9, (entry("other.kz"),), ()),
    )
    current = transfer(h, ixfr(9))
    assert len(current) == 1
    assert len(current[0].answer) == 1
    ahead = transfer(h, ixfr(12))
    assert [rr[0].serial for rr in ahead[0].answer] == [9]
    whole = records(transfer(h, ixfr(7)))
    assert "kaspi-bonus.kz 300 IN CNAME ." in whole
    assert "other.kz 300 IN CNAME ." in whole
    assert h.transfers[ZONE, "IXFR-AXFR"] == 1


def test_ixfr_over_udp_answers_the_lone_soa():
    (response,) = ask(handler(), ixfr(3), transport=Transport.UDP)
    assert [rr.rdtype for rr in response.answer] == [dns.rdatatype.SOA]


def test_lookups_answer_like_the_zone_says():
    h = handler()
    (soa,) = ask(h, dns.message.make_query(ZONE, "SOA"), transport=Transport.UDP)
    assert soa.answer[0][0].serial == 7
    (listed,) = ask(h, dns.message.make_query("login.kaspi-bonus.kz." + ZONE, "A"), transport=Transport.UDP)
    assert str(listed.answer[0]) == "login.kaspi-bonus.kz.rpz.antifraud. 300 IN CNAME ."
    (unlisted,) = ask(h, dns.message.make_query("weather.kz." + ZONE, "A"), transport=Transport.UDP)
    assert unlisted.rcode() == dns.rcode.NXDOMAIN
    assert unlisted.authority[0].rdtype == dns.rdatatype.SOA


# refusals -------------------------------------------------------------------------------------------
def rcode_of(h: QueryHandler, query, client="127.0.0.1", transport=Transport.TCP) -> int:
    wire = query if isinstance(query, bytes) else query.to_wire()
    messages = list(h.handle(wire, client, transport))
    assert len(messages) == 1
    return struct.unpack_from("!H", messages[0], 2)[0] & 0xF


def test_other_zones_are_refused():
    h = handler()
    assert rcode_of(h, dns.message.make_query("example.com.", dns.rdatatype.AXFR)) == dns.rcode.REFUSED
    assert rcode_of(h, dns.message.make_query("antifraud.", "SOA")) == dns.rcode.REFUSED


def test_transfers_from_addresses_outside_the_acl_are_refused():
    config = ServerConfig(access=Access(consumers=(consumer("isp", ("10.1.0.0/16",)),)))
    h = handler(config)
    assert rcode_of(h, axfr_query(), client="192.0.2.9") == dns.rcode.REFUSED
    assert rcode_of(h, ixfr(3), client="192.0.2.9") == dns.rcode.REFUSED
    assert len(transfer(h, axfr_query(), client="10.1.2.3")) == 1
    assert len(transfer(h, axfr_query(), client="::1")) == 1  # loopback by default


def test_a_transfer_of_a_name_below_the_apex_is_notauth_and_axfr_over_udp_formerr():
    h = handler()
    assert rcode_of(h, dns.message.make_query("x.kz." + ZONE, dns.rdatatype.AXFR)) == dns.rcode.NOTAUTH
    assert rcode_of(h, axfr_query(), transport=Transport.UDP) == dns.rcode.FORMERR


def tsig_config() -> ServerConfig:
    keys = (tsig_key("isp-2026", SECRET), tsig_key("isp-2027", "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="))
    access = Access(
        consumers=(consumer("isp", ("10.0.0.0/8",), ("isp-2026", "isp-2027")),),
        keyring={k.name.to_text(): k for k in keys},
        allow_loopback=False,
    )
    return ServerConfig(access=access)


def signed(query: dns.message.Message, name: str, secret: str, when: float = NOW) -> bytes:
    query.use_tsig(dns.tsigkeyring.from_text({name: secret}), algorithm=dns.tsig.HMAC_SHA256)
    return _resign(query.to_wire(), name, secret, when)  # signed at the handler's clock, not the machine's


def _resign(wire: bytes, name: str, secret: str, when: float) -> bytes:
    from blocklists.zone import tsig  # noqa: PLC0415

    found = tsig.find(wire)
    assert found is not None
    unsigned = wire[:10] + struct.pack("!H", struct.unpack_from("!H", wire, 10)[0] - 1) + wire[12 : found.start]
    key = dns.tsig.Key(name, secret, dns.tsig.HMAC_SHA256)
    template = found.rdata.replace(time_signed=int(when), mac=b"")
    rdata, _ = dns.tsig.sign(unsigned, key, template, int(when))
    return tsig._append(unsigned, key.name, rdata)


def test_a_transfer_signed_with_any_of_the_consumers_keys_is_answered_and_signed():
    h = handler(tsig_config())
    for name, secret in (("isp-2026", SECRET), ("isp-2027", "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ=")):
        wire = signed(axfr_query(), name, secret)
        messages = list(h.handle(wire, "10.2.3.4", Transport.TCP))
        response = dns.message.from_wire(messages[0], keyring=False, xfr=True)
        assert response.had_tsig
        assert response.rcode() == dns.rcode.NOERROR
        assert _verifies(wire, messages[0], name, secret)


def test_wrong_unknown_missing_or_stale_tsig_gets_notauth_or_refused():
    h = handler(tsig_config())
    wrong = signed(axfr_query(), "isp-2026", "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=")
    unknown = signed(axfr_query(), "someone", SECRET)
    stale = signed(axfr_query(), "isp-2026", SECRET, when=NOW - 3600)
    for wire, error in ((wrong, dns.rcode.BADSIG), (unknown, dns.rcode.BADKEY), (stale, dns.rcode.BADTIME)):
        (response,) = list(h.handle(wire, "10.2.3.4", Transport.TCP))
        message = dns.message.from_wire(response, keyring=False)
        assert message.rcode() == dns.rcode.NOTAUTH
        assert message.tsig_error == error
    assert rcode_of(h, axfr_query(), client="10.2.3.4") == dns.rcode.REFUSED  # unsigned
    assert rcode_of(h, signed(axfr_query(), "isp-2026", SECRET), client="192.0.2.1") == dns.rcode.REFUSED


# an attacker's bytes --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (b"", None),
        (b"\x12\x34", None),
        (b"\x12\x34\x81\x80" + b"\x00" * 8, None),  # a response: never answered
        (b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03rpz", dns.rcode.FORMERR),  # truncated question
        (b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01", dns.rcode.FORMERR),  # loop
        (b"\x12\x34\x00\x00" + b"\x00" * 8 + b"\x00" * 5000, dns.rcode.FORMERR),  # oversized
        (b"\x12\x34\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", dns.rcode.FORMERR),  # no question
        (b"\x12\x34\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00" + b"\x00\x00\x06\x00\x01" * 2, dns.rcode.FORMERR),
    ],
    ids=["empty", "short", "response", "truncated", "pointer-loop", "oversized", "no-question", "two-questions"],
)
def test_malformed_messages_get_formerr_or_no_answer(wire, expected):
    messages = list(handler().handle(wire, "127.0.0.1", Transport.UDP))
    if expected is None:
        assert messages == []
    else:
        (message,) = messages
        assert message[:2] == b"\x12\x34"
        assert struct.unpack_from("!H", message, 2)[0] & 0xF == expected


def test_other_opcodes_are_not_implemented():
    query = dns.message.make_query(ZONE, "SOA")
    query.set_opcode(dns.opcode.UPDATE)
    assert rcode_of(handler(), query) == dns.rcode.NOTIMP


FUZZ_HANDLER = handler(ServerConfig(timers=SoaTimers(ttl=60)))
SEEDS = [
    axfr_query().to_wire(),
    ixfr(3).to_wire(),
    dns.message.make_query("login.kaspi-bonus.kz." + ZONE, "A").to_wire(),
    dns.message.make_query(ZONE, "SOA", use_edns=0, payload=4096).to_wire(),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 200),
    transport=st.sampled_from(list(Transport)),
)
def test_fuzzed_queries_never_crash_the_handler(seed, edits, cut, transport):
    wire = bytearray(seed)
    for position, value in edits:
        if position < len(wire):
            wire[position] = value
    data = bytes(wire[: max(cut, 0)] if cut < len(wire) else wire)
    for message in FUZZ_HANDLER.handle(data, "127.0.0.1", transport):
        assert 12 <= len(message) <= 65535
        assert message[:2] == data[:2]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_handler(data):
    for message in FUZZ_HANDLER.handle(data, "10.9.9.9", Transport.UDP):
        assert message[:2] == data[:2]


def _verifies(request: bytes, response: bytes, name: str, secret: str) -> bool:
    """The response's MAC checks against the request's, as the secondary would check it."""
    from blocklists.zone import tsig  # noqa: PLC0415

    request_tsig = tsig.find(request)
    found = tsig.find(response)
    assert request_tsig is not None
    assert found is not None
    key = dns.tsig.Key(name, secret, dns.tsig.HMAC_SHA256)
    dns.tsig.validate(response, key, found.owner, found.rdata, int(NOW), request_tsig.rdata.mac, found.start)
    return True
