import pytest

from antifraud.content.target import BadTarget, legacy_ipv4, parse_target, resolve_location


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "0177.0.0.01", "127.1", "127.0.1", "127.0.0.1."],
)
def test_every_spelling_of_loopback_is_recognised(host):
    target = parse_target(f"http://{host}:8080/x")
    assert str(target.address) == "127.0.0.1"
    assert target.url == "http://127.0.0.1:8080/x"


@pytest.mark.parametrize(
    ("url", "host", "address"),
    [
        ("http://[::1]/", "::1", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "::ffff:7f00:1"),
        ("http://0/", "0.0.0.0", "0.0.0.0"),  # noqa: S104 - an address under test, not a bind
        ("http://0x/", "0.0.0.0", "0.0.0.0"),  # noqa: S104
    ],
)
def test_ip_literals(url, host, address):
    target = parse_target(url)
    assert target.host == host
    assert str(target.address) == address


def test_names_are_canonical_and_userinfo_and_fragment_dropped():
    target = parse_target("HTTPS://user:pw@Kaspi-Bonus.KZ.:443/вход?a=b c#frag")
    assert target.url == "https://kaspi-bonus.kz/%D0%B2%D1%85%D0%BE%D0%B4?a=b%20c"
    assert (target.scheme, target.host, target.port, target.address) == ("https", "kaspi-bonus.kz", 443, None)
    assert parse_target("http://каспи.kz/").host == "xn--80aqevj.kz"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("kaspi.kz/login", "no scheme"),
        ("ftp://kaspi.kz/", "not http or https"),
        ("file:///etc/passwd", "not http or https"),
        ("gopher://127.0.0.1:25/", "not http or https"),
        ("http://evil.kz\\@127.0.0.1/", "backslash"),
        ("http://ev il.kz/", "backslash, space"),
        ("http://[fe80::1%25eth0]/", "zone index"),
        ("http://1.2.3.999/", "out of range"),
        ("http://1.2.3.4.5/", "5 parts"),
        ("http://foo.09/", "not a number"),
        ("http://kaspi..kz/", "empty label"),
        ("http://kaspi.kz:0/", "port 0"),
        ("http://kaspi.kz:70000/", "out of range"),
        ("http://ex%41mple.kz/", "percent"),
    ],
)
def test_bad_targets_say_what_is_wrong(url, message):
    with pytest.raises(BadTarget, match=message):
        parse_target(url)


def test_legacy_ipv4_leaves_names_alone():
    assert legacy_ipv4("kaspi.kz") is None
    assert legacy_ipv4("deadbeef.kz") is None
    assert str(legacy_ipv4("3232235777")) == "192.168.1.1"


def test_redirect_locations_are_resolved_against_the_hop():
    assert resolve_location("http://a.kz/x/y", "../z") == "http://a.kz/z"
    assert resolve_location("https://a.kz/x", "//b.kz/p") == "https://b.kz/p"
    assert resolve_location("https://a.kz/x", " http://c.kz/ ") == "http://c.kz/"
