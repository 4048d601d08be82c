"""DNS observations into signals, and the observation model. Pure: no event loop, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from antifraud.domain.errors import ConfigError
from workers.dns import DnsObservation, Lookup, Outcome, Registration, dns_signals, lexicon_from_mapping
from workers.dns.lexicon import load_dns_lexicon

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
LEXICON = lexicon_from_mapping(
    {
        "bad_hosting": [{"network": "203.0.113.0/24", "label": "BadHost LLC"}, {"network": "2001:db8:bad::/48"}],
        "free_dns": {"nameservers": ["freenom.com", "afraid.org"]},
        "parking": {"nameservers": ["sedoparking.com", "bodis.com"]},
        "fast_flux": {"min_addresses": 5, "max_ttl": 300, "min_networks": 3, "min_distinct_over_history": 6},
    }
)


def observe(name="kaspi-bonus.kz", a=(), aaaa=(), ns=(), mx=(), ttl=300, cnames=(), wildcard=None, at=NOW, zone=None):
    def lookup(rdtype, records, record_ttl=ttl):
        if records:
            return Lookup(rdtype, Outcome.ANSWER, tuple(sorted(records)), record_ttl, cnames)
        return Lookup(rdtype, Outcome.NODATA, cnames=cnames)

    return DnsObservation(
        name=name,
        zone=zone or name,
        observed_at=at,
        lookups=(lookup("A", a), lookup("AAAA", aaaa), lookup("MX", mx), lookup("NS", ns, 3600)),
        wildcard=wildcard,
    )


def names(signals):
    return {s.name for s in signals}


def test_bad_hosting_in_both_families():
    [signal] = dns_signals(observe(a=["203.0.113.7"], aaaa=["2001:db8:bad::1"]), [], LEXICON)
    assert signal.name == "dns_bad_hosting"
    assert "203.0.113.7 in 203.0.113.0/24 (BadHost LLC)" in signal.detail
    assert "2001:db8:bad::1" in signal.detail
    assert dns_signals(observe(a=["192.0.2.1"]), [], LEXICON) == ()


def test_free_dns_name_servers():
    [signal] = dns_signals(observe(a=["192.0.2.1"], ns=["ns1.afraid.org."]), [], LEXICON)
    assert signal.name == "dns_free_nameservers"
    assert "ns1.afraid.org (afraid.org)" in signal.detail
    # a look-alike provider name is not the provider
    assert dns_signals(observe(a=["192.0.2.1"], ns=["ns1.notafraid.org."]), [], LEXICON) == ()


def test_parking_by_name_server_cname_or_mail_exchanger():
    assert names(dns_signals(observe(ns=["ns1.sedoparking.com."]), [], LEXICON)) == {"dns_parked"}
    via_cname = observe(a=["192.0.2.1"], cnames=("kaspi-bonus.kz.bodis.com",))
    [signal] = dns_signals(via_cname, [], LEXICON)
    assert "CNAME target kaspi-bonus.kz.bodis.com belongs to bodis.com" in signal.detail
    assert names(dns_signals(observe(mx=["10 mail.sedoparking.com."]), [], LEXICON)) == {"dns_parked"}


def test_fast_flux_many_addresses_in_many_networks_with_short_ttl():
    flux = ["192.0.2.1", "198.51.100.2", "100.64.3.3", "172.16.4.4", "10.5.5.5"]
    [signal] = dns_signals(observe(a=flux, ttl=60), [], LEXICON)
    assert signal.name == "dns_fast_flux"
    assert "5 addresses in 5 networks with TTL 60s" in signal.detail


def test_a_cdn_is_not_fast_flux():
    cdn = [f"104.16.{i}.1" for i in range(8)]  # many addresses, one /16
    assert dns_signals(observe(a=cdn, ttl=60), [], LEXICON) == ()
    spread = ["192.0.2.1", "198.51.100.2", "100.64.3.3", "172.16.4.4", "10.5.5.5"]
    assert dns_signals(observe(a=spread, ttl=3600), [], LEXICON) == ()  # long TTL: nothing rotates


def test_fast_flux_from_answers_changing_across_probes():
    history = [
        observe(a=["192.0.2.1", "198.51.100.2"], ttl=60, at=NOW - timedelta(minutes=20)),
        observe(a=["100.64.3.3", "172.16.4.4"], ttl=60, at=NOW - timedelta(minutes=10)),
    ]
    current = observe(a=["10.5.5.5", "192.168.6.6"], ttl=60)
    [signal] = dns_signals(current, history, LEXICON)
    assert "answers changed in 2 of 2 probes: 6 addresses in 6 networks" in signal.detail
    # other names' history does not count
    other = [observe(name="other.kz", a=h.addresses, ttl=60) for h in history]
    assert dns_signals(current, other, LEXICON) == ()
    # the same two addresses every time: stable, not flux
    stable = [observe(a=["192.0.2.1", "198.51.100.2"], ttl=60) for _ in range(5)]
    assert dns_signals(stable[-1], stable[:-1], LEXICON) == ()


def test_wildcard_signal():
    wild = Lookup("A", Outcome.ANSWER, ("192.0.2.9",), 300)
    [signal] = dns_signals(observe(a=["192.0.2.9"], wildcard=wild), [], LEXICON)
    assert signal.name == "dns_wildcard"
    assert "any name under kaspi-bonus.kz resolves" in signal.detail


def test_zero_weight_disables_a_signal():
    lexicon = lexicon_from_mapping({"free_dns": {"nameservers": ["afraid.org"]}, "weights": {"free_dns": 0}})
    assert dns_signals(observe(ns=["ns1.afraid.org."]), [], lexicon) == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bad_hosting": [{"network": "10.0.0.0/33"}]}, r"bad_hosting\[0\].network '10.0.0.0/33' is not a CIDR"),
        ({"bad_hosting": [{"label": "x"}]}, r"bad_hosting\[0\] needs a 'network'"),
        ({"free_dns": {"nameservers": "afraid.org"}}, "free_dns.nameservers must be a list"),
        ({"fast_flux": {"max_ttl": -1}}, "fast_flux.max_ttl must be a whole number"),
        ({"weights": {"flux": 3}}, r"weights: unknown keys \['flux'\]"),
    ],
)
def test_lexicon_errors_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        lexicon_from_mapping(data)


def test_the_shipped_lexicon_loads(repo_root):
    lexicon = load_dns_lexicon(repo_root / "config" / "dns_lexicon.toml")
    assert "sedoparking.com" in lexicon.parking
    assert "freenom.com" in lexicon.free_dns
    assert lexicon.bad_networks


def test_lexicon_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the DNS lexicon"):
        load_dns_lexicon(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[weights\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_dns_lexicon(broken)


def test_observation_round_trips_through_json():
    seen = observe(a=["203.0.113.7"], ns=["ns1.afraid.org."], cnames=("x.kz",), wildcard=Lookup("A", Outcome.NXDOMAIN))
    assert DnsObservation.from_json(seen.to_json()) == seen


def test_outcome_precedence_and_registration():
    timeout = Lookup("A", Outcome.TIMEOUT)
    nx = Lookup("AAAA", Outcome.NXDOMAIN)
    seen = DnsObservation("x.kz", "x.kz", NOW, (timeout, nx))
    assert seen.outcome is Outcome.NXDOMAIN
    assert seen.registration is Registration.UNREGISTERED
    # a missing subdomain does not make the zone unregistered
    sub = DnsObservation("login.x.kz", "x.kz", NOW, (Lookup("A", Outcome.NXDOMAIN),))
    assert sub.registration is Registration.UNKNOWN
    sub_ns = DnsObservation("login.x.kz", "x.kz", NOW, (Lookup("A", Outcome.NXDOMAIN), Lookup("NS", Outcome.ANSWER)))
    assert sub_ns.registration is Registration.REGISTERED
    servfail = DnsObservation("x.kz", "x.kz", NOW, (Lookup("A", Outcome.SERVFAIL), Lookup("NS", Outcome.SERVFAIL)))
    assert servfail.registration is Registration.UNKNOWN
    assert servfail.wildcard_detected is None
