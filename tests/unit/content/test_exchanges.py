"""Illegal exchanges: a crypto-exchange page off the registry of licensed exchanges goes to review."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from antifraud.adapters.content_lexicon import load_content_lexicon, load_exchanges
from antifraud.content.analysis import PageAnalyser
from antifraud.content.exchanges import ExchangeRegistry, parse_exchanges
from antifraud.detection.scoring import Thresholds, combine
from antifraud.domain.brands import parse_brands
from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category, Verdict

PAGES = Path(__file__).parent / "pages"
EXCHANGE_PAGE = (PAGES / "p2p_exchange.html").read_text("utf-8")


@pytest.fixture(scope="module")
def analyser(repo_root, suffixes):
    brands = parse_brands(tomllib.loads((repo_root / "config" / "brands.toml").read_text("utf-8")), suffixes)
    lexicon = load_content_lexicon(repo_root / "config" / "content_lexicon.toml")
    return PageAnalyser(
        brands, lexicon, suffixes, exchanges=load_exchanges(suffixes, repo_root / "config" / "exchanges.toml")
    )


def test_an_exchange_page_off_the_registry_is_an_illegal_exchange_for_review(analyser):
    findings = analyser.analyse(EXCHANGE_PAGE, "https://usdt-obmen-almaty.kz/")
    signal = next(s for s in findings.signals if s.name == "page_crypto_exchange")
    assert "not in the registry of licensed exchanges" in signal.detail
    assert "«обмен usdt" in signal.detail
    assert findings.category is Category.ILLEGAL_EXCHANGE
    assert [w.address for w in findings.wallets] == ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"]  # linked by the center
    assert combine(findings.signals, Thresholds()).verdict is Verdict.REVIEW


@pytest.mark.parametrize("url", ["https://ataix.kz/trade", "https://p2p.bybit.kz/"])
def test_a_licensed_exchange_is_not_flagged(analyser, url):
    findings = analyser.analyse(EXCHANGE_PAGE, url)
    assert "page_crypto_exchange" not in {s.name for s in findings.signals}


def test_one_mention_is_news_not_an_exchange(analyser):
    html = "<html><body><p>Эксперты не советуют купить биткоин на пике.</p></body></html>"
    findings = analyser.analyse(html, "https://news.example.kz/a")
    assert "page_crypto_exchange" not in {s.name for s in findings.signals}


def test_the_registry_file_is_validated(suffixes):
    with pytest.raises(ConfigError, match="'domains' must be a non-empty list"):
        parse_exchanges({"exchange": [{"name": "X"}]}, suffixes)
    with pytest.raises(ConfigError, match=r"is a host under ataix\.kz"):
        parse_exchanges({"exchange": [{"name": "X", "domains": ["www.ataix.kz"]}]}, suffixes)
    with pytest.raises(ConfigError, match="unknown sections"):
        parse_exchanges({"exchanges": []}, suffixes)
    registry = parse_exchanges({"exchange": [{"name": "X", "domains": ["Intebix.KZ"]}]}, suffixes)
    assert registry.licensed("api.intebix.kz").name == "X"
    assert registry.licensed("intebix.kz.evil.com") is None
    assert ExchangeRegistry().licensed("ataix.kz") is None


def test_the_shipped_registry_loads(suffixes, repo_root):
    registry = load_exchanges(suffixes, repo_root / "config" / "exchanges.toml")
    assert registry.licensed("ataix.kz") is not None


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Guaranteed daily profit: 3% per day, daily ROI paid to your wallet.", "page_lure_guaranteed_returns"),
        ("Күнделікті табыс! Айына 30% кепілді табыс.", "page_lure_guaranteed_returns"),
        (
            "Join our referral program: level 1 commission 10%, team bonus from your downline.",
            "page_lure_referral_levels",
        ),
        ("Маркетинг-план: бонус за приглашение, доход с рефералов до 7 линии.", "page_lure_referral_levels"),
        ("Пассивный доход без вложений, финансовая свобода за месяц.", "page_lure_passive_income"),
    ],
)
def test_investment_and_pyramid_vocabulary_in_three_languages(analyser, text, group):
    findings = analyser.analyse(f"<html><body><p>{text}</p></body></html>", "https://profit-club.kz/")
    assert group in {s.name for s in findings.signals}
    assert findings.category in {Category.INVESTMENT_SCAM, Category.PYRAMID}
