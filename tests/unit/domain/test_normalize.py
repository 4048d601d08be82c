"""Normalization of domains, URLs and phone numbers: pure, no event loop."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import IndicatorType
from antifraud.domain.normalize import normalize_domain, normalize_indicator, normalize_phone, normalize_url


@pytest.mark.parametrize(
    ("given_text", "ascii_name", "registered"),
    [
        ("Kaspi-Bonus.KZ", "kaspi-bonus.kz", "kaspi-bonus.kz"),
        ("kaspi-bonus.kz.", "kaspi-bonus.kz", "kaspi-bonus.kz"),
        ("https://user:pw@Login.Kaspi-Bonus.kz:8443/path?q=1#frag", "login.kaspi-bonus.kz", "kaspi-bonus.kz"),
        ("login.halyk-bank.com.kz/auth", "login.halyk-bank.com.kz", "halyk-bank.com.kz"),
        ("каспи.kz", "xn--80aqevj.kz", "xn--80aqevj.kz"),
        ("ЕГОВ.ҚАЗ", "xn--b1abf1b.xn--80ao21a", "xn--b1abf1b.xn--80ao21a"),
        ("xn--80aqevj.kz", "xn--80aqevj.kz", "xn--80aqevj.kz"),
        # private part of the suffix list: a page on a shared platform is the tenant's host, not the platform
        ("kaspi-login.github.io", "kaspi-login.github.io", "kaspi-login.github.io"),
        ("secure.kaspi-login.blogspot.com", "secure.kaspi-login.blogspot.com", "kaspi-login.blogspot.com"),
    ],
)
def test_domains_normalize_to_ascii_and_registered_domain(suffixes, given_text, ascii_name, registered):
    name = normalize_domain(given_text, suffixes)
    assert name.ascii == ascii_name
    assert name.registered == registered


def test_idn_keeps_unicode_for_display(suffixes):
    name = normalize_domain("kаspi.kz", suffixes)  # Cyrillic а
    assert name.ascii.startswith("xn--")
    assert name.unicode == "kаspi.kz"
    assert name.is_idn


def test_private_suffix_is_flagged(suffixes):
    assert normalize_domain("evil.github.io", suffixes).private_suffix
    assert not normalize_domain("kaspi.kz", suffixes).private_suffix


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1.2.3.4", "IP address"),
        ("http://[::1]/login", "IP address"),
        ("com", "public suffix"),
        ("github.io", "public suffix"),
        ("foo.notatld", "top-level domain"),
        ("a..b.kz", "empty label"),
        ("bad_label.kz", "not a valid domain"),
        ("x" * 64 + ".kz", "not a valid domain"),
        (".".join(["a" * 60] * 5) + ".kz", "253"),
        ("-leading.kz", "not a valid domain"),
    ],
)
def test_invalid_domains_say_what_is_wrong(suffixes, bad, message):
    with pytest.raises(InvalidIndicator, match=message) as info:
        normalize_domain(bad, suffixes)
    assert info.value.field == "value"


def test_urls_keep_path_and_drop_fragment_and_default_port(suffixes):
    url = normalize_url("HTTPS://Kaspi-Bonus.kz:443/Login?x=1#top", suffixes)
    assert url.url == "https://kaspi-bonus.kz/Login?x=1"
    assert url.host.ascii == "kaspi-bonus.kz"
    assert normalize_url("kaspi-bonus.kz", suffixes).url == "http://kaspi-bonus.kz/"


def test_url_with_other_scheme_is_refused(suffixes):
    with pytest.raises(InvalidIndicator, match="scheme"):
        normalize_url("ftp://kaspi-bonus.kz/x", suffixes)


@pytest.mark.parametrize(
    ("text", "e164", "region"),
    [
        ("+7 701 234 56 78", "+77012345678", "KZ"),
        ("87012345678", "+77012345678", "KZ"),
        ("77012345678", "+77012345678", "KZ"),
        ("8 (727) 258-59-65", "+77272585965", "KZ"),
        ("+7 495 123-45-67", "+74951234567", "RU"),
        ("84951234567", "+74951234567", "RU"),  # trunk prefix on a Russian number
        ("74951234567", "+74951234567", "RU"),  # country code without '+'
        ("+7 900 123 45 67", "+79001234567", "RU"),
        ("+44 20 7946 0958", "+442079460958", "GB"),
    ],
)
def test_phones_normalize_to_e164_with_region(text, e164, region):
    phone = normalize_phone(text)
    assert phone.e164 == e164
    assert phone.region == region
    assert phone.valid


def test_short_codes_are_kept_as_digits():
    phone = normalize_phone("1414")
    assert phone.is_short_code
    assert phone.e164 == "1414"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "empty"),
        ("call me", "not a phone number"),
        ("+7 701", "short"),
        ("+7 701 234 56 78 99 11", "long|digits after"),
        ("+999 1234567", "not a phone number|country code"),
    ],
)
def test_invalid_phones_say_what_is_wrong(bad, message):
    with pytest.raises(InvalidIndicator, match=message):
        normalize_phone(bad)


def test_url_reports_are_tracked_by_their_registered_domain(suffixes):
    found = normalize_indicator(IndicatorType.URL, "https://login.kaspi-bonus.kz/a", suffixes)
    assert (found.key.type, found.key.value) == (IndicatorType.DOMAIN, "kaspi-bonus.kz")
    assert found.url == "https://login.kaspi-bonus.kz/a"
    assert found.name is not None
    assert found.name.ascii == "login.kaspi-bonus.kz"


LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=20)


@given(labels=st.lists(LABEL, min_size=1, max_size=4), upper=st.booleans(), dot=st.booleans(), scheme=st.booleans())
def test_normalization_is_idempotent_and_ignores_case_dot_and_scheme(suffixes, labels, upper, dot, scheme):
    name = ".".join([*labels, "kz"])
    text = name.upper() if upper else name
    text = text + "." if dot else text
    text = f"https://{text}/path" if scheme else text
    first = normalize_domain(text, suffixes)
    assert first.ascii == name
    assert normalize_domain(first.ascii, suffixes) == first


@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes_domain_normalization(suffixes, text):
    try:
        name = normalize_domain(text, suffixes)
    except InvalidIndicator:
        return
    assert name.ascii == name.ascii.lower()
    assert len(name.ascii) <= 253


@given(st.text(alphabet="0123456789 +-()", max_size=30))
def test_arbitrary_digits_never_crash_phone_normalization(text):
    try:
        phone = normalize_phone(text)
    except InvalidIndicator:
        return
    assert phone.e164.lstrip("+").isdigit()


@given(
    st.sampled_from(["701", "702", "705", "707", "747", "771", "775", "776", "777", "778"]),
    st.integers(min_value=0, max_value=9_999_999),
)
def test_kazakh_mobile_forms_agree(prefix, subscriber):
    national = f"{prefix}{subscriber:07d}"
    forms = {
        normalize_phone(f"+7{national}").e164,
        normalize_phone(f"8{national}").e164,
        normalize_phone(f"7{national}").e164,
    }
    assert forms == {f"+7{national}"}


@pytest.mark.parametrize(
    ("text", "tracked", "url"),
    [
        # a browser opens evil.kz: the report is about evil.kz, not about the protected kaspi.kz
        ("http://evil.kz\\@kaspi.kz/", "evil.kz", "http://evil.kz/@kaspi.kz/"),
        ("http://kaspi.kz@evil.kz/login", "evil.kz", "http://evil.kz/login"),
        ("https://login.kaspi.kz.evil.kz./x", "evil.kz", "https://login.kaspi.kz.evil.kz/x"),
        ("http:\\\\evil.kz\\login", "evil.kz", "http://evil.kz/login"),
        ("http://ev\til.kz/\nlogin", "evil.kz", "http://evil.kz/login"),
        ("http://%65vil.kz/", "evil.kz", "http://evil.kz/"),
        ("HTTP://ＥＶＩＬ.kz:8080/a/../b", "evil.kz", "http://evil.kz:8080/b"),
        ("evil.kz\\@kaspi.kz", "evil.kz", "http://evil.kz/@kaspi.kz"),
        ("https://каспи.kz/вход", "xn--80aqevj.kz", "https://xn--80aqevj.kz/%D0%B2%D1%85%D0%BE%D0%B4"),
    ],
)
def test_urls_are_tracked_by_the_host_a_browser_opens(suffixes, text, tracked, url):
    found = normalize_indicator(IndicatorType.URL, text, suffixes)
    assert (found.key.value, found.url) == (tracked, url)
    assert normalize_domain(text, suffixes).registered == tracked


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://0x7f.1/", "'127.0.0.1' is an IP address"),
        ("http://2130706433/login", "'127.0.0.1' is an IP address"),
        ("http://[::ffff:127.0.0.1]/", "is an IP address"),
        ("http://%31%32%37.0.0.1/", "'127.0.0.1' is an IP address"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("http://1.2.3.999/", "out of range"),
        ("http://kaspi.kz:99999/", "port 99999"),
        ("http://ev il.kz/", "contains ' '"),
        ("http://xn--a.kz/", "not a valid domain name"),
        ("http://bad_label.kz/", "not a valid domain name"),
        ("http://a\ud800.kz/", "lone surrogate"),
    ],
)
def test_bad_urls_say_what_is_wrong(suffixes, text, message):
    with pytest.raises(InvalidIndicator, match=message) as info:
        normalize_url(text, suffixes)
    assert info.value.field == "value"


@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes_url_normalization(suffixes, text):
    try:
        url = normalize_url(text, suffixes)
    except InvalidIndicator as exc:
        error = exc
    else:
        assert normalize_url(url.url, suffixes) == url  # normalizing again changes nothing
        return
    assert error.field == "value"
