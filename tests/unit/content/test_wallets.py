import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.content.wallets import Chain, base58check, eip55, find_wallets, keccak256, segwit_program

VALID = [
    (Chain.BITCOIN, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),  # P2PKH (the genesis block's)
    (Chain.BITCOIN, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),  # P2SH
    (Chain.BITCOIN, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),  # P2WPKH, BIP 173
    (Chain.BITCOIN, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),  # Taproot, BIP 350
    (Chain.TRON, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    (Chain.ETHEREUM, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),  # EIP-55 vectors
    (Chain.ETHEREUM, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
    (Chain.ETHEREUM, "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"),
    (Chain.ETHEREUM, "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"),
]


@pytest.mark.parametrize(("chain", "address"), VALID)
def test_valid_addresses_are_found_and_verified(chain, address):
    found = find_wallets(f"Переведите USDT на адрес: {address}. Спасибо!")
    assert [(w.chain, w.address, w.checksum_verified) for w in found] == [(chain, address, True)]


@pytest.mark.parametrize(
    "address",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # last character changed
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4",  # mixed case is invalid in bech32
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # wrong EIP-55 case
        "0x0000000000000000000000000000000000000000",
        "1111111111111111111111111111111111",
    ],
)
def test_broken_checksums_are_not_wallets(address):
    assert find_wallets(f"wallet {address}") == ()


def test_unchecksummed_ethereum_is_kept_unverified_and_deduplicated():
    text = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed and 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    (wallet,) = find_wallets(text)
    assert wallet.chain is Chain.ETHEREUM
    assert not wallet.checksum_verified


def test_addresses_glued_to_other_text_are_not_taken():
    assert find_wallets("x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") == ()
    assert find_wallets("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00") == ()


def test_keccak_known_answer_and_the_permutation_against_sha3():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert eip55("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@given(st.binary(max_size=400))
def test_keccak_with_sha3_padding_is_sha3_256(data):
    assert keccak256(data, pad=0x06) == hashlib.sha3_256(data).digest()


def test_decoders():
    assert base58check("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")[0] == 0
    assert base58check("0OIl") is None
    version, program = segwit_program("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    assert (version, program.hex()) == (0, "751e76e8199196d454941c45d1b3a323f1433bd6")
    assert segwit_program("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx") is None  # testnet: not our hrp


def test_limit():
    text = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
    assert len(find_wallets(text, limit=1)) == 1
