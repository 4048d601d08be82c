"""Our own protected brands (config/brands.toml) against realistic lookalikes, and honest Kazakh sites.

These are written by hand for the center's brands; the eval-dev set (global brands) is measured by
benchmarks/eval_lookalikes.py instead. Known, accepted reviews of honest names: those holding a brand
keyword as a word of their own (`krisha-deti.org`: "krisha" is Russian for roof; `kaspiysk.ru`).
"""

from __future__ import annotations

import pytest

from antifraud.domain.model import Verdict
from antifraud.domain.normalize import normalize_domain

LURE_COMBOS = [
    # combosquats with Russian/Kazakh/English lure words
    "kaspi-bonus.kz",
    "kaspi-gold-aktsiya.com",
    "kaspibank-vyplata.online",
    "halyk-invest.com",
    "halykbank-kabinet.kz",
    "homebank-login.com",
    "jusan-kompensaciya.kz",
    "egov-posobie.kz",
    "egov-vyplaty.site",
    "beeline-bonus.kz",
    "kcell-prize.xyz",
    "tele2-syilyk.kz",
    "altel-bonus.kz",
    "kazpost-delivery.com",
    "qazpost-tracking.top",
    "freedombank-invest.com",
    "bankffin-bonus.kz",
    "nationalbank-kompensaciya.kz",
    "wildberries-vozvrat.kz",
    "olxkz-oplata.com",
    "airastana-refund.com",
    "ataix-airdrop.com",
    "kazakhtelecom-oplata.kz",
]
FLAGGED = [
    *LURE_COMBOS,
    # typosquats
    "kaspj.kz",
    "kasppi.kz",
    "halykbnak.kz",
    "halykbamk.kz",
    "homebnak.kz",
    "jysan.kz",
    "beelinne.kz",
    "kcel.kz",
    "elicence.kz",
    "kazakhtelekom.kz",
    "wildberies.kz",
    "airastanna.com",
    # homoglyphs and Cyrillic spellings
    "k\u0430spi.kz",
    "h\u0430lykbank.kz",
    "\u0435gov.kz",
    "b\u0435\u0435line.kz",
    "h0mebank.kz",
    "ka5pi-bonus.kz",
    "каспи.kz",
    "каспи-бонус.com",
    "халықбанк.kz",
    "егов-төлем.kz",
    # subdomain abuse and TLD swaps
    "kaspi.kz.verify-login.com",
    "egov.kz-portal.top",
    "homebank.kz.secure-session.ru",
    "kaspi.online",
    "halykbank.com",
    "egov.kg",
    "kaspi.github.io",
]

HONEST = [
    "astana.kz",
    "almaty.kz",
    "tengrinews.kz",
    "nur.kz",
    "zakon.kz",
    "kazinform.kz",
    "vlast.kz",
    "flowers-almaty.kz",
    "shop.kz",
    "technodom.kz",
    "sulpak.kz",
    "mechta.kz",
    "magnum.kz",
    "aviata.kz",
    "chocotravel.com",
    "2gis.kz",
    "hh.kz",
    "enbek.kz",
    "kazatomprom.kz",
    "kegoc.kz",
    "kazan.ru",
    "altyn-dala.kz",
    "ozone-clean.kz",
    "магазин.kz",
    "президент.қаз",
    "caspian-sea.info",
]


@pytest.mark.parametrize("name", FLAGGED)
def test_lookalikes_of_our_brands_are_flagged(kz_detector, suffixes, name):
    result = kz_detector.assess_domain(normalize_domain(name, suffixes))
    assert result.verdict in {Verdict.BLOCK, Verdict.REVIEW}, (name, result)
    assert result.category is not None


@pytest.mark.parametrize("name", HONEST)
def test_honest_kazakh_sites_are_not_flagged(kz_detector, suffixes, name):
    result = kz_detector.assess_domain(normalize_domain(name, suffixes))
    assert result.verdict in {Verdict.NONE, Verdict.ALLOW}, (name, result)


def test_most_lure_combinations_block(kz_detector, suffixes):
    blocked = [
        n for n in LURE_COMBOS if kz_detector.assess_domain(normalize_domain(n, suffixes)).verdict is Verdict.BLOCK
    ]
    # Strong lure words (bonus, vyplata, invest, login) block; payment and delivery words only review.
    assert len(blocked) >= len(LURE_COMBOS) - 5, sorted(set(LURE_COMBOS) - set(blocked))


@pytest.mark.parametrize("name", ["kaspi.kz", "www.kaspi.kz", "halykbank.kz", "homebank.kz", "egov.kz", "post.kz"])
def test_official_names_from_the_brands_file_are_allowed(kz_detector, suffixes, name):
    assert kz_detector.assess_domain(normalize_domain(name, suffixes)).verdict is Verdict.ALLOW
