"""Crypto wallet addresses in page text, kept only when their checksum holds.

Scam pages print the wallet the money goes to. A checksum rules out random strings that merely
look like one: base58check (double SHA-256) for Bitcoin P2PKH/P2SH and TRON, bech32/bech32m for
Bitcoin SegWit and Taproot, EIP-55 mixed-case (Keccak-256) for Ethereum. An all-lower or all-upper
Ethereum address carries no checksum and is kept as unverified.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum


class Chain(StrEnum):
    BITCOIN = "bitcoin"
    ETHEREUM = "ethereum"  # and every EVM chain: BSC, Polygon... share the address form
    TRON = "tron"


@dataclass(frozen=True, slots=True)
class Wallet:
    chain: Chain
    address: str
    checksum_verified: bool

    def __str__(self) -> str:
        return f"{self.chain}:{self.address}"


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


# --- finding them ---------------------------------------------------------------------------------

_CANDIDATES = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"(?P<eth>0x[0-9a-fA-F]{40})"
    r"|(?P<bech>(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87})"
    r"|(?P<b58>[13][1-9A-HJ-NP-Za-km-z]{25,34})"
    r"|(?P<tron>T[1-9A-HJ-NP-Za-km-z]{33})"
    r")(?![0-9A-Za-z])"
)


def _check(match: re.Match[str]) -> Wallet | None:
    text = match.group(0)
    if match.group("eth"):
        body = text[2:]
        if int(body, 16) == 0:
            return None  # the zero address is a placeholder, not a wallet
        if body.islower() or body.isupper() or body.isdigit():
            return Wallet(Chain.ETHEREUM, "0x" + body.lower(), checksum_verified=False)
        return Wallet(Chain.ETHEREUM, text, checksum_verified=True) if eip55(text) == text else None
    if match.group("bech"):
        return Wallet(Chain.BITCOIN, text.lower(), checksum_verified=True) if segwit_program(text) else None
    payload = base58check(text)
    if payload is None or len(payload) != 21:
        return None
    if match.group("tron"):
        return Wallet(Chain.TRON, text, checksum_verified=True) if payload[0] == 0x41 else None
    return Wallet(Chain.BITCOIN, text, checksum_verified=True) if payload[0] in {0x00, 0x05} else None


def find_wallets(text: str, limit: int = 50) -> tuple[Wallet, ...]:
    """Wallet addresses in `text`, first occurrence order, each once, at most `limit`."""
    found: dict[str, Wallet] = {}
    for match in _CANDIDATES.finditer(text):
        wallet = _check(match)
        # Ethereum addresses are case-insensitive: the checksummed and lower-case forms are one wallet.
        key = str(wallet).lower() if wallet is not None and wallet.chain is Chain.ETHEREUM else str(wallet)
        if wallet is not None and key not in found:
            found[key] = wallet
            if len(found) >= limit:
                break
    return tuple(found.values())
