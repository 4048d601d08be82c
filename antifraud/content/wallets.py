"""Crypto wallet addresses in page text, kept only when their checksum holds (see antifraud.domain.wallets).

Scam pages print the wallet the money goes to. A checksum rules out random strings that merely
look like one: base58check (double SHA-256) for Bitcoin P2PKH/P2SH and TRON, bech32/bech32m for
Bitcoin SegWit and Taproot, EIP-55 mixed-case (Keccak-256) for Ethereum. An all-lower or all-upper
Ethereum address carries no checksum and is kept as unverified.
"""

from __future__ import annotations

import re

from antifraud.domain.wallets import Chain, Wallet, base58check, eip55, keccak256, segwit_program

__all__ = ["Chain", "Wallet", "base58check", "eip55", "find_wallets", "keccak256", "segwit_program"]


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
