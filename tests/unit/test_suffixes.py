"""Our suffix lookup agrees with tldextract on the bundled list (wildcards, exceptions, private part, IDN)."""

from __future__ import annotations

from pathlib import Path

import pytest
import tldextract

EVAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "eval-dev"
TRICKY = [
    "a.b.c.kawasaki.jp",
    "b.kawasaki.jp",
    "city.kawasaki.jp",
    "x.city.kawasaki.jp",
    "www.ck",
    "a.www.ck",
    "x.y.ck",
    "a.b.github.io",
    "s3.amazonaws.com",
    "x.s3.amazonaws.com",
    "gov.kz",
    "x.gov.kz",
    "a.b.c.d.e.f.co.uk",
    "xn--b1abf1b.xn--80ao21a",
    "a.xn--p1ai",
    "sub.kaspi-login.blogspot.com",
    "kaspi.kz",
    "x.notatld",
]


@pytest.fixture(scope="module")
def reference():
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def sample() -> list[str]:
    names = list(TRICKY)
    for name in ("positives.txt", "negatives.txt"):
        path = EVAL / name
        if path.exists():
            names += [n.strip() for n in path.read_text().splitlines()[:3000] if n.strip() and ".." not in n]
    return names


def test_split_agrees_with_tldextract(suffixes, reference):
    mismatches = []
    for name in sample():
        r, ours = reference(name), suffixes.split(name)
        if (r.subdomain, r.domain, r.suffix, bool(r.is_private)) != (
            ours.subdomain,
            ours.label,
            ours.suffix,
            ours.private,
        ):
            mismatches.append((name, r, ours))
    assert mismatches == []
