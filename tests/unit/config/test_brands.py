"""The bundled brands file: valid, large enough, unambiguous, and free of tokens that match everything."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from antifraud.domain.brands import Brand, parse_brands
from antifraud.domain.errors import ConfigError
from antifraud.domain.normalize import normalize_domain

BRANDS_FILE = Path(__file__).resolve().parents[3] / "config" / "brands.toml"

# Words that occur in honest names all over the Kazakh and Russian web; as keywords they would flag them.
EVERYDAY_WORDS = {
    "bank", "kazakhstan", "qazaqstan", "online", "login", "bonus", "credit", "market", "shop", "invest",
    "finance", "kolesa", "krisha", "otbasy", "salyk", "bereke", "freedom", "home", "post", "people",
    "telecom", "mobile", "astana", "almaty", "national",
}  # fmt: skip


@pytest.fixture(scope="module")
def brands(suffixes) -> tuple[Brand, ...]:
    return parse_brands(tomllib.loads(BRANDS_FILE.read_text()), suffixes, source=str(BRANDS_FILE))


def test_the_file_parses_and_protects_at_least_twenty_brands(brands):
    assert len(brands) >= 20
    assert all(b.domains or b.suffixes for b in brands), [b.name for b in brands if not b.domains]


def test_the_sectors_the_issue_names_are_covered(brands):
    by_domain = {d: b.name for b in brands for d in b.domains}
    for domain in (
        "kaspi.kz", "halykbank.kz", "homebank.kz", "jusan.kz", "bankffin.kz", "forte.kz", "bcc.kz",
        "eubank.kz", "homecredit.kz", "berekebank.kz", "bankrbk.kz", "otbasybank.kz", "altynbank.kz",
        "vtb.kz", "nurbank.kz", "shinhan.kz",  # banks
        "egov.kz", "elicense.kz", "nationalbank.kz", "finreg.kz", "kgd.gov.kz",  # state
        "post.kz", "beeline.kz", "kcell.kz", "tele2.kz", "telecom.kz",  # post and telecoms
        "olx.kz", "kolesa.kz", "krisha.kz",  # marketplaces
        "aix.kz", "aifc.kz", "kase.kz",  # exchanges
    ):  # fmt: skip
        assert domain in by_domain, domain


def test_no_domain_belongs_to_two_brands(brands):
    counts = Counter(d for b in brands for d in b.domains)
    assert [d for d, n in counts.items() if n > 1] == []


def test_no_keyword_or_phone_belongs_to_two_brands(brands):
    keywords = Counter(k for b in brands for k in b.keywords)
    phones = Counter(p for b in brands for p in b.phones)
    assert [k for k, n in keywords.items() if n > 1] == []
    assert [p for p, n in phones.items() if n > 1] == []


def test_keywords_are_distinctive(brands):
    for brand in brands:
        for keyword in brand.keywords:
            assert len(keyword) >= 4, f"{brand.name}: {keyword!r} is shorter than 4 characters"
            assert keyword.isascii(), f"{brand.name}: {keyword!r} is not ASCII"
            assert keyword not in EVERYDAY_WORDS, f"{brand.name}: {keyword!r} is an everyday word"


def test_domains_are_registrable_names_not_hosts_or_public_suffixes(brands, suffixes):
    # a host (www.kaspi.kz) would leave its siblings unprotected; a suffix is refused by the parser
    for brand in brands:
        for domain in brand.domains:
            name = normalize_domain(domain, suffixes)
            assert name.subdomain == "", f"{brand.name}: {domain} is a host under {name.registered}"
            assert not name.private_suffix, f"{brand.name}: {domain} is a tenant of a shared platform"
    assert "gov.kz" not in {d for b in brands for d in b.domains}


def test_phones_are_e164_or_short_codes(brands):
    for brand in brands:
        for phone in brand.phones:
            if phone.startswith("+"):
                assert phone[1:].isdigit(), f"{brand.name}: {phone}"
                assert 8 <= len(phone[1:]) <= 15, f"{brand.name}: {phone}"
            else:
                assert phone.isdigit(), f"{brand.name}: {phone}"
                assert 3 <= len(phone) <= 6, f"{brand.name}: {phone}"


def test_kaspi_keeps_its_official_hotlines(brands):
    kaspi = next(b for b in brands if b.name == "Kaspi Bank")
    assert kaspi.phones == ("+77272585965", "9999")
    assert kaspi.keywords == ("kaspi",)


def test_a_public_suffix_is_refused_as_a_brand_domain(suffixes):
    # gov.kz is a public suffix: protecting it would allowlist every agency and anyone registering under it
    with pytest.raises(ConfigError, match=r"gov\.kz"):
        parse_brands({"brand": [{"name": "Government", "domains": ["gov.kz"]}]}, suffixes)


def test_no_keyword_points_at_another_brands_official_name(brands):
    # a keyword found inside another brand's own domain would attribute that brand's lookalikes wrongly
    for brand in brands:
        for other in brands:
            if other is brand:
                continue
            for domain in other.domains:
                label = domain.split(".", 1)[0].replace("-", "")
                clashes = [k for k in brand.keywords if k in label]
                assert clashes == [], f"{brand.name} keywords {clashes} occur in {other.name}'s {domain}"


# --- protected suffixes (issue 12) ---------------------------------------------------------------------------
def test_a_closed_zone_is_protected_under_suffixes(suffixes):
    (brand,) = parse_brands({"brand": [{"name": "State bodies", "suffixes": ["GOV.KZ."]}]}, suffixes)
    assert brand.suffixes == ("gov.kz",)
    assert brand.domains == ()


@pytest.mark.parametrize(
    ("suffix", "says"),
    [
        ("kz", "top-level domain"),
        ("github.io", "shared hosting platform"),
        ("kaspi.kz", "not a public suffix"),
        ("", "not a public suffix"),
        ("nonsense.invalid-tld", "not a public suffix"),
    ],
)
def test_a_suffix_anyone_can_register_under_is_refused(suffixes, suffix, says):
    with pytest.raises(ConfigError, match=says):
        parse_brands({"brand": [{"name": "X", "suffixes": [suffix]}]}, suffixes)


def test_a_public_suffix_under_domains_points_to_suffixes(suffixes):
    with pytest.raises(ConfigError, match="goes under 'suffixes'"):
        parse_brands({"brand": [{"name": "Government", "domains": ["gov.kz"]}]}, suffixes)


def test_the_old_format_still_parses_and_constructs(suffixes):
    data = {"brand": [{"name": "Kaspi Bank", "domains": ["kaspi.kz"], "keywords": ["kaspi"], "phones": ["9999"]}]}
    (brand,) = parse_brands(data, suffixes)
    assert brand == Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("9999",))


def test_the_shipped_file_protects_gov_kz_and_edu_kz(brands):
    assert {"gov.kz", "edu.kz"} <= {s for b in brands for s in b.suffixes}
