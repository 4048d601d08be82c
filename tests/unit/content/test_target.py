import pytest

from antifraud.content.target import BadTarget, parse_target, resolve_location


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
        ("http://ev il.kz/", "contains ' '"),
        ("http://ev%20il.kz/", "contains ' '"),
        ("http://[fe80::1%25eth0]/", "zone index"),
        ("http://1.2.3.999/", "out of range"),
        ("http://1.2.3.4.5/", "5 parts"),
        ("http://foo.09/", "not a number"),
        ("http://kaspi..kz/", "empty label"),
        ("http://kaspi.kz:0/", "port 0"),
        ("http://kaspi.kz:70000/", "out of range"),
        ("http://kaspi.kz:8o/", "not a number"),
        ("http://ka!spi.kz/", "not a valid domain name"),
        ("mailto:a@kaspi.kz", "not http or https"),
        ("javascript:alert(1)", "not http or https"),
        ("http://", "no host"),
        ("http://a\ud800.kz/", "surrogate"),
    ],
)
def test_bad_targets_say_what_is_wrong(url, message):
    with pytest.raises(BadTarget, match=message):
        parse_target(url)


@pytest.mark.parametrize(
    ("url", "fetched"),
    [
        # a backslash ends the host in http URLs: a browser opens evil.kz, and so does the crawler
        ("http://evil.kz\\@127.0.0.1/", "http://evil.kz/@127.0.0.1/"),
        ("http://ex%41mple.kz/", "http://example.kz/"),  # percent-escapes in a host are decoded
        ("http://ka\tspi-bo\nnus.kz/", "http://kaspi-bonus.kz/"),  # tabs and newlines are dropped
        ("http:kaspi-bonus.kz/x", "http://kaspi-bonus.kz/x"),
        ("http://deadbeef.kz/", "http://deadbeef.kz/"),  # hex-looking labels are names unless last
        ("http://a.kz/p|q^r[s]?x={y}", "http://a.kz/p%7Cq%5Er%5Bs%5D?x=%7By%7D"),  # a request target RFC 3986 allows
    ],
)
def test_targets_are_read_as_a_browser_reads_them(url, fetched):
    assert parse_target(url).url == fetched


def test_redirect_locations_are_resolved_against_the_hop():
    assert resolve_location("http://a.kz/x/y", "../z") == "http://a.kz/z"
    assert resolve_location("https://a.kz/x", "//b.kz/p") == "https://b.kz/p"
    assert resolve_location("https://a.kz/x", " http://c.kz/ ") == "http://c.kz/"
    # a browser reads backslashes in a Location as slashes: this is another host, not a path
    assert resolve_location("http://a.kz/x", "\\\\127.0.0.2\\admin") == "http://127.0.0.2/admin"
    assert resolve_location("http://a.kz/x", "/\\evil.kz/") == "http://evil.kz/"
    with pytest.raises(BadTarget, match="port"):
        resolve_location("http://a.kz/x", "http://b.kz:99999/")
