"""Our suffix lookup agrees with tldextract's, on the same bundled list, and follows the list's rules."""

from __future__ import annotations

import pytest
import tldextract
from hypothesis import given, settings
from hypothesis import strategies as st

from antifraud.adapters.suffixes import BundledSuffixList

LIST = """
// ===BEGIN ICANN DOMAINS===
com
kz
com.kz
jp
kawasaki.jp
*.kawasaki.jp
!city.kawasaki.jp
рф
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
github.io
*.compute.example.com
// ===END PRIVATE DOMAINS===
"""


@pytest.fixture(scope="module")
def small() -> BundledSuffixList:
    return BundledSuffixList(LIST)


@pytest.mark.parametrize(
    ("name", "subdomain", "label", "suffix", "private"),
    [
        ("kaspi.kz", "", "kaspi", "kz", False),
        ("pay.kaspi.kz", "pay", "kaspi", "kz", False),
        ("shop.com.kz", "", "shop", "com.kz", False),
        ("a.b.shop.com.kz", "a.b", "shop", "com.kz", False),
        ("www.foo.kawasaki.jp", "", "www", "foo.kawasaki.jp", False),  # wildcard
        ("www.city.kawasaki.jp", "www", "city", "kawasaki.jp", False),  # exception
        ("kaspi-bonus.github.io", "", "kaspi-bonus", "github.io", True),  # private: the tenant is the label
        ("x.vm1.compute.example.com", "", "x", "vm1.compute.example.com", True),
        ("xn--80aswg.xn--p1ai", "", "xn--80aswg", "xn--p1ai", False),  # the Unicode rule matches its punycode
        ("name.unknowntld", "name", "unknowntld", "", False),
        ("com.kz", "", "", "com.kz", False),
    ],
)
def test_rules(small, name, subdomain, label, suffix, private):
    split = small.split(name)
    assert (split.subdomain, split.label, split.suffix, split.private) == (subdomain, label, suffix, private)


@pytest.fixture(scope="module")
def bundled() -> BundledSuffixList:
    return BundledSuffixList()


@pytest.fixture(scope="module")
def reference() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@pytest.mark.parametrize(
    "name",
    [
        "kaspi.kz",
        "online.homebank.kz",
        "foo.blogspot.com",
        "a.b.github.io",
        "ec2-1-2-3-4.compute-1.amazonaws.com",
        "amazon.co.uk",
        "www.city.kawasaki.jp",
        "x.y.kawasaki.jp",
        "xn--80ak6aa92e.xn--p1ai",
        "kaspi-bonus.000webhostapp.com",
        "t.me",
        "bit.ly",
    ],
)
def test_matches_tldextract_on_known_names(bundled, reference, name):
    ours = bundled.split(name)
    theirs = reference(name)
    assert (ours.subdomain, ours.label, ours.suffix, ours.private) == (
        theirs.subdomain,
        theirs.domain,
        theirs.suffix,
        bool(theirs.is_private),
    )


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_TAIL = st.sampled_from(
    ["com", "kz", "com.kz", "co.uk", "github.io", "kawasaki.jp", "ck", "www.ck", "appspot.com", "ru"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LABEL, min_size=1, max_size=3), _TAIL)
def test_matches_tldextract_on_generated_names(bundled, reference, labels, tail):
    name = ".".join([*labels, tail])
    ours = bundled.split(name)
    theirs = reference(name)
    assert (ours.subdomain, ours.label, ours.suffix) == (theirs.subdomain, theirs.domain, theirs.suffix)
