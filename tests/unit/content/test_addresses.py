import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.content.addresses import AddressGuard, AddressKind, classify, parse_networks
from antifraud.domain.errors import ConfigError

INTERNAL = [
    ("127.0.0.1", AddressKind.LOOPBACK),
    ("127.255.255.254", AddressKind.LOOPBACK),
    ("::1", AddressKind.LOOPBACK),
    ("10.0.0.1", AddressKind.PRIVATE),
    ("172.16.0.1", AddressKind.PRIVATE),
    ("172.31.255.255", AddressKind.PRIVATE),
    ("192.168.1.1", AddressKind.PRIVATE),
    ("100.64.0.1", AddressKind.SHARED),
    ("169.254.169.254", AddressKind.LINK_LOCAL),
    ("fe80::1", AddressKind.LINK_LOCAL),
    ("224.0.0.1", AddressKind.MULTICAST),
    ("ff02::1", AddressKind.MULTICAST),
    ("240.0.0.1", AddressKind.RESERVED),
    ("255.255.255.255", AddressKind.RESERVED),
    ("0.0.0.0", AddressKind.UNSPECIFIED),  # noqa: S104 - an address under test, not a bind
    ("0.1.2.3", AddressKind.UNSPECIFIED),
    ("::", AddressKind.UNSPECIFIED),
    ("fc00::1", AddressKind.UNIQUE_LOCAL),
    ("fd12:3456::1", AddressKind.UNIQUE_LOCAL),
    ("fec0::1", AddressKind.SITE_LOCAL),
    ("192.0.2.1", AddressKind.DOCUMENTATION),
    ("2001:db8::1", AddressKind.DOCUMENTATION),
    ("198.18.0.1", AddressKind.BENCHMARKING),
    ("::ffff:127.0.0.1", AddressKind.IPV4_MAPPED),
    ("::ffff:8.8.8.8", AddressKind.IPV4_MAPPED),  # mapped forms never appear in honest AAAA answers
    ("::127.0.0.1", AddressKind.IPV4_COMPATIBLE),
    ("2002:7f00:1::1", AddressKind.EMBEDDED_IPV4),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", AddressKind.EMBEDDED_IPV4),  # 6to4 of 169.254.169.254
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", AddressKind.EMBEDDED_IPV4),  # Teredo, client 127.0.0.1
    ("64:ff9b::a00:1", AddressKind.EMBEDDED_IPV4),  # NAT64 of 10.0.0.1
    ("64:ff9b:1::1", AddressKind.PRIVATE),
    ("100::1", AddressKind.RESERVED),
    ("4000::1", AddressKind.RESERVED),  # outside 2000::/3
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "95.59.170.1", "2a00:1450:4001::1", "2002:808:808::1", "64:ff9b::808:808"]


@pytest.mark.parametrize(("address", "kind"), INTERNAL)
def test_internal_addresses_are_refused_with_their_reason(address, kind):
    refusal = AddressGuard().check(address)
    assert refusal is not None
    assert refusal.kind is kind
    assert str(ipaddress.ip_address(address)) in refusal.reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert AddressGuard().check(address) is None


def test_the_reason_names_what_is_hidden_inside_an_ipv6_form():
    refusal = AddressGuard().check("2002:a9fe:a9fe::1")
    assert refusal is not None
    assert "169.254.169.254" in refusal.reason
    assert "link-local" in refusal.reason


def test_scoped_and_malformed_addresses_are_refused():
    assert AddressGuard().check("fe80::1%eth0").kind is AddressKind.SCOPED
    assert AddressGuard().check("not-an-ip").kind is AddressKind.INVALID


def test_allow_networks_exempt_exactly_what_they_list():
    guard = AddressGuard(["127.0.0.0/8"])
    assert guard.check("127.0.0.1") is None
    assert guard.check("127.9.9.9") is None
    assert guard.check("::1") is not None
    assert guard.check("10.0.0.1") is not None
    assert guard.check("::ffff:127.0.0.1") is not None  # the exemption is for the network as written


def test_vet_is_all_or_nothing():
    guard = AddressGuard()
    vetted, refusal = guard.vet(["8.8.8.8", "10.1.2.3"])
    assert vetted == ()
    assert refusal is not None
    assert refusal.address == "10.1.2.3"
    vetted, refusal = guard.vet(["8.8.8.8", "8.8.8.8", "2a00:1450:4001:0::1"])
    assert refusal is None
    assert vetted == ("8.8.8.8", "2a00:1450:4001::1")


def test_bad_allow_network_is_a_config_error_naming_it():
    with pytest.raises(ConfigError, match=r"'10\.0\.0/33'"):
        parse_networks(["127.0.0.0/8", "10.0.0/33"], "ANTIFRAUD_CRAWL_ALLOW_NETWORKS")
    assert parse_networks([" ", "::1/128"]) == (ipaddress.ip_network("::1/128"),)


@given(st.ip_addresses(v=4))
def test_every_ipv4_python_calls_private_is_refused(address):
    if not address.is_global:
        assert classify(address) is not None


@given(st.ip_addresses(v=4))
def test_every_internal_ipv4_is_refused_in_its_mapped_and_6to4_forms(address):
    if classify(address) is None:
        return
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    six_to_four = ipaddress.IPv6Address((0x2002 << 112) | (int(address) << 80) | 1)
    nat64 = ipaddress.IPv6Address(f"64:ff9b::{address}")
    for form in (mapped, six_to_four, nat64):
        assert AddressGuard().check(str(form)) is not None, form
