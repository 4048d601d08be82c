"""guess_kind: what `check` and `score` take a bare value for."""

from __future__ import annotations

import pytest

from antifraud.domain.guess import guess_kind


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("kaspi.kz", "domain"),
        ("https://kaspi-bonus.kz/login", "url"),
        ("+7 727 258 59 65", "phone"),
        ("87272585965", "phone"),
        ("1414", "phone"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet"),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "wallet"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "wallet"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wallet"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "wallet"),  # a wallet with a typo: its error is a wallet's
        ("bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wallet"),
        ("  каспи.kz ", "domain"),
        ("1.2.3.4", "domain"),  # an IP literal: the domain path refuses it and says why
        ("2001:db8::1", "domain"),
        ("", "domain"),
    ],
)
def test_guesses(value, kind):
    assert guess_kind(value) == kind


def test_a_kind_the_caller_cannot_take_is_never_answered():
    assert guess_kind("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", {"domain", "url", "phone"}) == "domain"
    assert guess_kind("https://x.kz", {"domain", "phone"}) == "domain"


def test_the_cli_uses_it():
    from antifraud.cli import guess_type  # noqa: PLC0415
    from antifraud.domain.model import IndicatorType  # noqa: PLC0415

    assert guess_type("+77011234567") is IndicatorType.PHONE
    assert guess_type("https://a.kz/x") is IndicatorType.URL
