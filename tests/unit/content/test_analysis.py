"""Page analysis on realistic pages: a Kaspi login clone in Russian and Kazakh, a crypto "investment" page."""

import tomllib
from pathlib import Path

import pytest

from antifraud.adapters.content_lexicon import load_content_lexicon
from antifraud.content.analysis import PageAnalyser, analyse_page
from antifraud.content.wallets import Chain
from antifraud.detection.scoring import Thresholds, combine
from antifraud.domain.brands import parse_brands
from antifraud.domain.model import Category, Verdict

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def analyser(repo_root, suffixes):
    brands = parse_brands(tomllib.loads((repo_root / "config" / "brands.toml").read_text("utf-8")), suffixes)
    return PageAnalyser(brands, load_content_lexicon(repo_root / "config" / "content_lexicon.toml"), suffixes)


def names(findings):
    return {s.name: s for s in findings.signals}


def test_kaspi_login_clone(analyser):
    findings = analyser.analyse((PAGES / "kaspi_login_clone.html").read_text("utf-8"), "https://kaspi-kz.online/login")
    signals = names(findings)
    assert findings.title == "Kaspi.kz — Вход в Kaspi Банк | Жеке кабинет"
    assert findings.brands == ("Kaspi Bank",)
    assert "kaspi.kz" in signals["page_brand_login"].detail
    assert "page_password_form" in signals
    assert "CVV" in signals["page_card_form"].detail
    assert findings.form_targets == ("kaspi-verify.top",)
    assert "kaspi-verify.top" in signals["page_credentials_offsite"].detail
    assert "«служба безопасности банка»" in signals["page_lure_bank_security_service"].detail
    assert "sms-кодты енгізіңіз" in signals["page_lure_credential_request"].detail  # the Kazakh paragraph
    assert signals["page_messenger_links"].weight == 15  # a "bank" moving customers to Telegram
    assert findings.phones == ("+77471234567", "+77017654321")
    assert findings.official_phones == ("+77272585965",)  # Kaspi's real number, shown for credibility
    assert findings.category is Category.PHISHING
    assert "Гарантированный" not in " ".join(s.detail for s in findings.signals)  # script text is not page text
    assessment = combine(findings.signals, Thresholds())
    assert assessment.verdict is Verdict.BLOCK


def test_the_same_page_on_the_brands_own_domain_names_no_impersonation(analyser):
    findings = analyser.analyse((PAGES / "kaspi_login_clone.html").read_text("utf-8"), "https://kaspi.kz/login")
    assert findings.brands == ()
    assert "page_brand_login" not in names(findings)
    assert "https://kaspi.kz/" not in findings.links  # a link to its own site is not outbound


def test_crypto_investment_page(analyser):
    findings = analyser.analyse((PAGES / "crypto_investment.html").read_text("utf-8"), "https://kazinvest.pro/")
    signals = names(findings)
    assert {(w.chain, w.address) for w in findings.wallets} == {
        (Chain.TRON, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),  # in a read-only input, to copy
        (Chain.BITCOIN, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
        (Chain.ETHEREUM, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),  # in a copy-to-clipboard attribute
    }  # and not the one with a broken checksum
    assert signals["page_crypto_wallets"].weight == 25  # wallets next to investment vocabulary
    assert {"page_lure_guaranteed_returns", "page_lure_referral_levels", "page_lure_passive_income"} <= set(signals)
    lure_total = sum(s.weight for s in findings.signals if s.name.startswith("page_lure_"))
    assert lure_total == 40  # vocabulary alone is capped
    assert "«3% в день»" in signals["page_lure_guaranteed_returns"].detail
    assert findings.phones == ("+77012345678", "+77273550011", "+77471112233")
    assert {(m.messenger, m.url) for m in findings.messenger_links} == {
        ("whatsapp", "https://wa.me/77012345678"),
        ("telegram", "tg://resolve?domain=kazinvest_pro"),
        ("telegram", "t.me/kazinvest_signals"),
    }
    assert findings.category is Category.INVESTMENT_SCAM
    assert findings.brands == ()
    assert combine(findings.signals, Thresholds()).verdict is Verdict.BLOCK


def test_a_warning_page_reaches_review_at_most(analyser):
    html = """<html><title>Осторожно, мошенники</title><body>
    <p>Служба безопасности банка никогда не звонит клиентам. Гарантированный доход и пассивный доход
    обещают только мошенники; реферальные уровни — признак пирамиды.</p></body></html>"""
    findings = analyser.analyse(html, "https://finreg-news.kz/warning")
    assert combine(findings.signals, Thresholds()).verdict is not Verdict.BLOCK


def test_forms_posting_elsewhere(analyser):
    html = """<form action="mailto:drop@example.com"><input name="q"></form>
    <form action="//collector.example.net/p"><input name="q"></form>
    <form action="/search"><input name="q"></form>
    <form action="https://sub.shop.kz/x"><input name="q"></form>"""
    findings = analyser.analyse(html, "https://www.shop.kz/")
    assert findings.form_targets == ("mailto", "collector.example.net")
    assert all(s.name == "page_form_offsite" for s in findings.signals)


def test_brand_named_without_a_form_is_weak_and_title_counts_more(analyser):
    body = analyser.analyse("<p>Оплата через Halyk Bank и Kaspi</p>", "https://shop.kz/")
    title = analyser.analyse("<title>Halyk Bank — бонусы</title>", "https://shop.kz/")
    assert names(body)["page_brand_named"].weight < names(title)["page_brand_named"].weight
    assert "Halyk Bank" in body.brands
    assert "Kaspi Bank" in body.brands


def test_orphan_password_fields_and_meta_refresh_and_base(analyser):
    html = """<head><base href="https://cdn.other.kz/"><meta http-equiv="refresh" content="5; url='next.html'"></head>
    <div><input type="password" name="p"></div><a href="page">x</a>"""
    findings = analyser.analyse(html, "https://a.kz/")
    assert "page_password_form" in names(findings)
    assert findings.refresh_url == "https://cdn.other.kz/next.html"
    assert findings.links == ("https://cdn.other.kz/page",)


def test_broken_html_never_raises(analyser):
    for html in ["", "<", "<form><input type=password", "<svg><title>x</title></svg><title>Real</title>", "</p></div>"]:
        findings = analyser.analyse(html, "https://a.kz/")
        assert findings.url == "https://a.kz/"
    assert analyser.analyse("<svg><title>x</title></svg><title>Real</title>", "https://a.kz/").title == "Real"


def test_analyse_page_function(repo_root, suffixes):
    lexicon = load_content_lexicon(repo_root / "config" / "content_lexicon.toml")
    findings = analyse_page("<p>Пассивный доход</p>", "https://a.kz/", brands=(), lexicon=lexicon, suffixes=suffixes)
    assert [s.name for s in findings.signals] == ["page_lure_passive_income"]


def test_links_and_forms_go_where_a_browser_sends_them(analyser):
    """The page's own site is shop.kz; each link and form below leaves it, though urlsplit would say otherwise."""
    html = r"""<form action="\\collector.kz\post"><input type="password" name="p"></form>
    <a href="http://collector2.kz\@shop.kz/">backslash</a>
    <a href="https://shop.kz@collector3.kz/x#frag">userinfo</a>
    <a href="ht	tps://collector4.kz/">tab in the scheme</a>
    <a href="https://%63ollector5.kz/">percent-encoded host</a>
    <a href="http://[::1">broken, skipped</a>
    <a href="\\shop.kz\x">the site itself</a>"""
    findings = analyser.analyse(html, "https://www.shop.kz/")
    assert findings.form_targets == ("collector.kz",)
    assert "page_credentials_offsite" in names(findings)
    assert findings.links == (
        "http://collector2.kz/@shop.kz/",
        "https://collector3.kz/x",  # credentials and fragment dropped
        "https://collector4.kz/",
        "https://collector5.kz/",
    )


def test_a_base_no_browser_can_parse_is_ignored(analyser):
    findings = analyser.analyse('<base href="http://[::1"><a href="https://other.kz/p">x</a>', "https://a.kz/")
    assert findings.links == ("https://other.kz/p",)
