"""Crypto wallet addresses as indicators: BTC, ETH (and every EVM chain), TRON, with checksums verified.

Pure. A checksum rules out mistyped and made-up strings: base58check (double SHA-256) for Bitcoin
P2PKH/P2SH and TRON, bech32/bech32m (BIP 173/350) for Bitcoin SegWit and Taproot, EIP-55 mixed case
(Keccak-256) for Ethereum. An all-lower or all-upper Ethereum address carries no checksum: it is
accepted as unverified. `normalize_wallet` is the indicator's normalization: it returns the wallet
(see `Wallet.value` for the canonical form) or raises InvalidIndicator saying which chain the text
looked like and what failed. Only main-network addresses are indicators.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from antifraud.domain.errors import InvalidIndicator

MAX_WALLET_INPUT = 200
_URI_SCHEMES = ("bitcoin:", "ethereum:", "tron:")


class Chain(StrEnum):
    BITCOIN = "bitcoin"
    ETHEREUM = "ethereum"  # and every EVM chain: BSC, Polygon... share the address form
    TRON = "tron"


@dataclass(frozen=True, slots=True)
class Wallet:
    """A crypto address. `address` is as found on a page (EIP-55 case kept for display); `value` is the
    canonical form an indicator is tracked and listed under."""

    chain: Chain
    address: str
    checksum_verified: bool  # False only for an all-lower or all-upper Ethereum address (no checksum to check)

    def __str__(self) -> str:
        return f"{self.chain}:{self.address}"

    @property
    def value(self) -> str:
        """Canonical: Ethereum lower-case `0x` + 40 hex digits; bech32 lower-case; base58 (Bitcoin 1…/3…,
        TRON T…) exactly as written, because base58 is case-sensitive."""
        if self.chain is Chain.ETHEREUM or self.address[:3].lower() == "bc1":
            return self.address.lower()
        return self.address

    @property
    def display(self) -> str:
        """For people: Ethereum in its EIP-55 checksummed spelling, the rest as `value`."""
        return eip55(self.value) if self.chain is Chain.ETHEREUM else self.value


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def base58check(text: str) -> bytes | None:
    """The payload (version byte included) of a base58check string, or None if the checksum fails."""
    value = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            return None
        value = value * 58 + digit
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw  # each leading '1' is a zero byte
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= generator[i] if (top >> i) & 1 else 0
    return check


def _regroup(data: list[int], from_bits: int, to_bits: int) -> bytes | None:
    """5-bit groups back to bytes, refusing non-zero padding (BIP 173)."""
    acc, bits, out = 0, 0, bytearray()
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & ((1 << to_bits) - 1))
    if bits >= from_bits or (acc << (to_bits - bits)) & ((1 << to_bits) - 1):
        return None
    return bytes(out)


def segwit_program(address: str, hrp: str = "bc") -> tuple[int, bytes] | None:
    """(witness version, program) of a SegWit address whose checksum and form are right, else None."""
    if address.lower() != address and address.upper() != address:
        return None
    text = address.lower()
    prefix, sep, data_part = text.rpartition("1")
    if not sep or prefix != hrp or not 6 < len(data_part) <= 90 - len(prefix) - 1:
        return None
    data = [_BECH32_INDEX.get(c, -1) for c in data_part]
    if -1 in data:
        return None
    expanded = [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix]
    constant = _polymod(expanded + data)
    version = data[0]
    if constant != (_BECH32_CONST if version == 0 else _BECH32M_CONST):
        return None
    program = _regroup(data[1:-6], 5, 8)
    if program is None or version > 16 or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in {20, 32}:
        return None
    return version, program


# --- Keccak-256 (the pre-standard SHA-3 Ethereum uses; hashlib's sha3_256 pads differently) -----

_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
# Rotation offsets by lane index x + 5*y.
_ROTATIONS = (0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14)
_MASK = (1 << 64) - 1


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK if shift else value


def _keccak_f(state: list[int]) -> None:
    for constant in _ROUND_CONSTANTS:
        parity = [state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20] for x in range(5)]
        for x in range(5):
            mix = parity[(x - 1) % 5] ^ _rotl(parity[(x + 1) % 5], 1)
            for y in range(0, 25, 5):
                state[x + y] ^= mix
        moved = [0] * 25
        for x in range(5):
            for y in range(5):
                moved[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl(state[x + 5 * y], _ROTATIONS[x + 5 * y])
        for y in range(0, 25, 5):
            row = moved[y : y + 5]
            for x in range(5):
                state[x + y] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5])
        state[0] ^= constant


def keccak256(data: bytes, pad: int = 0x01) -> bytes:
    """Keccak-256; with `pad=0x06` it is FIPS SHA3-256, which is how the tests check the permutation."""
    rate = 136
    padded = bytearray(data)
    padded.append(pad)
    padded.extend(b"\x00" * (-len(padded) % rate))
    padded[-1] |= 0x80
    state = [0] * 25
    for start in range(0, len(padded), rate):
        block = padded[start : start + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _keccak_f(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])


def eip55(address: str) -> str:
    """The EIP-55 checksummed spelling of a 0x address."""
    hexdigits = address[2:].lower()
    digest = keccak256(hexdigits.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(hexdigits, digest[:40], strict=True))


# --- normalization --------------------------------------------------------------------------------

_HEX = re.compile(r"[0-9a-fA-F]*")
_SHAPE = re.compile(
    r"(?:0[xX][0-9a-zA-Z]{30,50}|(?:bc1|BC1|tb1|TB1|bcrt1)[0-9a-zA-Z]{6,90}|[13T][1-9A-HJ-NP-Za-km-z]{24,35})"
)


def looks_like_wallet(text: str) -> bool:
    """The shape of a wallet address (checksum not checked): what `antifraud score` and `check` guess from."""
    value = text.strip()
    if value.lower().startswith(_URI_SCHEMES):
        return True
    if _SHAPE.fullmatch(value) is None:
        return False
    return not value.isdigit()  # a long run of digits is a number, not base58


def _strip_uri(text: str) -> str:
    value = text.strip()
    lower = value.lower()
    for scheme in _URI_SCHEMES:
        if lower.startswith(scheme):
            value = value[len(scheme) :].split("?", 1)[0].split("@", 1)[0].strip("/")
            break
    return value


def _ethereum(text: str) -> Wallet:
    body = text[2:]
    what = f"{text[:12]}… looks like an Ethereum address (0x and 40 hex digits)"
    if not _HEX.fullmatch(body):
        bad = next(c for c in body if c not in "0123456789abcdefABCDEF")
        raise InvalidIndicator(f"{what} but contains {bad!r}, which is not a hex digit", field="value")
    if len(body) != 40:
        raise InvalidIndicator(f"{what} but has {len(body)} hex digits", field="value")
    if int(body, 16) == 0:
        raise InvalidIndicator("0x000…0 is the zero (burn) address, a placeholder rather than a wallet", field="value")
    lower = "0x" + body.lower()
    if body.islower() or body.isupper() or body.isdigit():
        return Wallet(Chain.ETHEREUM, lower, checksum_verified=False)
    expected = eip55(lower)
    if body != expected[2:]:
        raise InvalidIndicator(
            f"{what} in mixed case, but its EIP-55 checksum does not match (expected {expected}): "
            "a character was probably mistyped",
            field="value",
        )
    return Wallet(Chain.ETHEREUM, expected, checksum_verified=True)


def _bech32(text: str) -> Wallet:
    what = f"{text[:14]}… looks like a Bitcoin SegWit address (bech32)"
    prefix = text[: text.find("1")].lower()
    if prefix != "bc":
        raise InvalidIndicator(
            f"{what} for a test network ({prefix}1…); only main-network wallets are indicators", field="value"
        )
    if text.lower() != text and text.upper() != text:
        raise InvalidIndicator(f"{what} but mixes upper and lower case, which bech32 forbids", field="value")
    data = text.lower()[3:]
    bad = next((c for c in data if c not in _BECH32_INDEX), None)
    if bad is not None:
        raise InvalidIndicator(f"{what} but contains {bad!r}, which bech32 never uses (1, b, i and o)", field="value")
    if segwit_program(text) is None:
        raise InvalidIndicator(
            f"{what} but its bech32/bech32m checksum or witness program is wrong: a character was probably mistyped",
            field="value",
        )
    return Wallet(Chain.BITCOIN, text.lower(), checksum_verified=True)


def _base58(text: str, chain: Chain, versions: set[int], what: str) -> Wallet:
    bad = next((c for c in text if c not in _B58_INDEX), None)
    if bad is not None:
        raise InvalidIndicator(f"{what} but contains {bad!r}, which base58 never uses (0, O, I and l)", field="value")
    payload = base58check(text)
    if payload is None:
        raise InvalidIndicator(
            f"{what} but its base58check checksum does not match: a character was probably mistyped", field="value"
        )
    if len(payload) != 21 or payload[0] not in versions:
        wanted = " or ".join(f"0x{v:02x}" for v in sorted(versions))
        raise InvalidIndicator(
            f"{what} and its checksum holds, but it decodes to {len(payload)} bytes with version 0x{payload[0]:02x} "
            f"(expected 21 bytes with version {wanted})",
            field="value",
        )
    return Wallet(chain, text, checksum_verified=True)


def normalize_wallet(text: str) -> Wallet:
    """A BTC, ETH or TRON address (or a `bitcoin:`/`ethereum:`/`tron:` payment URI) with its checksum verified.

    Raises InvalidIndicator naming the chain the text looked like and why it was refused.
    """
    if len(text) > MAX_WALLET_INPUT:
        raise InvalidIndicator(
            f"the value is longer than {MAX_WALLET_INPUT} characters; no wallet address is", field="value"
        )
    value = _strip_uri(text)
    if not value:
        raise InvalidIndicator("the wallet address is empty", field="value")
    if value[:2] in {"0x", "0X"}:
        return _ethereum("0x" + value[2:])
    lower = value.lower()
    if lower.startswith(("bc1", "tb1", "bcrt1")):
        return _bech32(value)
    if value[0] == "T" and len(value) == 34:
        return _base58(
            value, Chain.TRON, {0x41}, f"{value[:10]}… looks like a TRON address (T and 33 base58 characters)"
        )
    if value[0] in "13" and 25 <= len(value) <= 35:
        kind = "P2PKH, 1…" if value[0] == "1" else "P2SH, 3…"
        return _base58(value, Chain.BITCOIN, {0x00, 0x05}, f"{value[:10]}… looks like a Bitcoin address ({kind})")
    raise InvalidIndicator(
        f"{value[:40]!r} is not a wallet address: expected Ethereum (0x and 40 hex digits), "
        "Bitcoin (1…, 3… or bc1…) or TRON (T and 33 base58 characters)",
        field="value",
    )
