"""normalize_wallet: BTC, ETH, TRON with checksums; every refusal names the chain and the reason."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.wallets import Chain, looks_like_wallet, normalize_wallet

ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@pytest.mark.parametrize(
    ("text", "chain", "value", "verified"),
    [
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", Chain.BITCOIN, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", True),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", Chain.BITCOIN, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", True),
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            Chain.BITCOIN,
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            True,
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            Chain.BITCOIN,
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            True,
        ),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", Chain.TRON, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", True),
        (ETH, Chain.ETHEREUM, ETH.lower(), True),
        (ETH.lower(), Chain.ETHEREUM, ETH.lower(), False),
        ("0x" + ETH[2:].upper(), Chain.ETHEREUM, ETH.lower(), False),
        (f"  ethereum:{ETH}@1?value=1e18 ", Chain.ETHEREUM, ETH.lower(), True),
        (
            "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.1",
            Chain.BITCOIN,
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            True,
        ),
    ],
)
def test_valid_addresses_normalize_to_one_canonical_value(text, chain, value, verified):
    wallet = normalize_wallet(text)
    assert (wallet.chain, wallet.value, wallet.checksum_verified) == (chain, value, verified)


def test_ethereum_is_displayed_with_its_checksum_whatever_the_input_case():
    assert normalize_wallet(ETH.lower()).display == ETH


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "EIP-55 checksum does not match (expected " + ETH),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", "Ethereum address (0x and 40 hex digits) but has 38"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "'g', which is not a hex digit"),
        ("0x0000000000000000000000000000000000000000", "zero (burn) address"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "Bitcoin address (P2PKH, 1…) but its base58check checksum"),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNL0", "'0', which base58 never uses"),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "TRON address (T and 33 base58 characters) but its base58check"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bech32/bech32m checksum"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4", "mixes upper and lower case"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3b4", "'b', which bech32 never uses"),
        ("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "test network"),
        ("kaspi.kz", "is not a wallet address"),
        ("x" * 500, "longer than"),
    ],
)
def test_refusals_say_which_chain_and_why(text, says):
    with pytest.raises(InvalidIndicator) as caught:
        normalize_wallet(text)
    assert says in caught.value.message
    assert caught.value.field == "value"


def _b58check(payload: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n, out = int.from_bytes(raw, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def test_a_valid_checksum_of_the_wrong_size_or_version_is_refused():
    short = _b58check(b"\x00" + bytes(range(1, 20)))  # 20 bytes: a checksum that holds, no address
    with pytest.raises(InvalidIndicator, match="decodes to 20 bytes with version 0x00"):
        normalize_wallet(short)
    bitcoin_behind_t = _b58check(b"\x41" + bytes(range(20)))
    assert normalize_wallet(bitcoin_behind_t).chain is Chain.TRON
    with pytest.raises(InvalidIndicator, match="expected 21 bytes with version 0x00 or 0x05"):
        normalize_wallet(_b58check(b"\x06" + bytes(range(20))))  # starts with 3, version 0x06


@given(st.text(max_size=80))
def test_any_text_is_a_wallet_or_a_clear_refusal(text):
    try:
        wallet = normalize_wallet(text)
    except InvalidIndicator as exc:
        message = exc.message
    else:
        message = "valid"
        assert normalize_wallet(wallet.value).value == wallet.value
    assert message


@given(
    st.sampled_from(["1", "3", "T", "bc1", "0x"]),
    st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", min_size=20, max_size=60),
)
def test_attacker_shaped_input_never_crashes(prefix, body):
    try:
        message = normalize_wallet(prefix + body).value
    except InvalidIndicator as exc:
        message = exc.message
    assert message


def test_shapes():
    assert looks_like_wallet(ETH)
    assert looks_like_wallet("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert looks_like_wallet("bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert not looks_like_wallet("kaspi.kz")
    assert not looks_like_wallet("1" * 30)  # digits are a number
    assert not looks_like_wallet("+77272585965")
