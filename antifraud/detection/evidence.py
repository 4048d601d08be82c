"""Evidence that decides: how the center's own findings about a name join its lexical signals.

The DNS probes and the crawler report named signals (workers/dns/signals.py, antifraud/content):
`page_*` from the page, `dns_*` from the zone, `fresh_registration` from registration data. A name
that imitates a brand is a claim; such evidence is what confirms it. So:

- a brand lookalike (homoglyph, typo, TLD swap, combosquat, transliteration, subdomain abuse) with
  confirming evidence (a login or card form, the brand named on a foreign page, lure text, crypto
  wallets, a fresh registration, bad hosting or fast flux) is lifted to the block threshold;
- evidence about a name that imitates nothing reaches review at most: honest sites have login forms
  and warning pages use scam words. Very strong evidence (two different hard findings: credentials for
  a brand on a foreign page, a card form, credentials posted elsewhere, bad hosting, fast flux, or the
  investment-scam pattern of guaranteed returns, referral levels and wallets) is the exception;
- a `popular_domain` (the popularity prior) is held in review whatever else is seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from antifraud.domain.model import Signal

CONFIRMED = "confirmed_lookalike"
CAPPED = "held_for_analyst"
POPULAR = "popular_domain"
FRESH_REGISTRATION = "fresh_registration"

LOOKALIKE = frozenset({"homoglyph", "typosquat", "tld_swap", "combosquat", "transliterated_brand", "subdomain_abuse"})
MIN_LOOKALIKE = 30  # a strict brand token (an everyday word, `forte`) still counts; weak hints do not
# What each confirming finding is called in a reason.
CONFIRMING = {
    "page_brand_login": "credentials asked for on a page naming the brand",
    "page_card_form": "a card or SMS-code form",
    "page_credentials_offsite": "credentials posted to another site",
    "page_password_form": "a login form",
    "page_brand_named": "the brand named on a foreign page",
    "page_crypto_wallets": "crypto wallet addresses",
    "dns_bad_hosting": "bad hosting",
    "dns_fast_flux": "fast-flux DNS",
    FRESH_REGISTRATION: "a fresh registration",
}
CONFIRMING_PREFIX = ("page_lure_", "lure text")
# Findings that are fraud by themselves, not only with a brand: credentials or cards taken on a foreign
# page, criminal hosting, and the investment-scam pattern (guaranteed returns, recruits paid by level,
# wallets to pay into). Two different ones make evidence very strong.
HARD = frozenset(
    {
        "page_brand_login",
        "page_card_form",
        "page_credentials_offsite",
        "dns_bad_hosting",
        "dns_fast_flux",
        "page_crypto_wallets",
        "page_lure_guaranteed_returns",
        "page_lure_referral_levels",
    }
)
EVIDENCE_PREFIXES = ("page_", "dns_", "resolves_to_", FRESH_REGISTRATION)


def _seen(signal: Signal) -> str | None:
    if signal.weight <= 0:
        return None
    found = CONFIRMING.get(signal.name)
    if found is None and signal.name.startswith(CONFIRMING_PREFIX[0]):
        return CONFIRMING_PREFIX[1]
    return found


def is_evidence(signal: Signal) -> bool:
    return signal.name.startswith(EVIDENCE_PREFIXES)


def lookalike(signals: Sequence[Signal]) -> Signal | None:
    best = max((s for s in signals if s.name in LOOKALIKE), key=lambda s: s.weight, default=None)
    return best if best is not None and best.weight >= MIN_LOOKALIKE else None


def confirmation(signals: Sequence[Signal], missing: int) -> Signal | None:
    """The lift that takes a confirmed lookalike to the block threshold (`missing` points short of it)."""
    if missing <= 0:
        return None
    claim = lookalike(signals)
    if claim is None:
        return None
    seen = list(dict.fromkeys(what for s in signals if (what := _seen(s)) is not None))
    if not seen:
        return None
    return Signal(CONFIRMED, missing, f"the {claim.name.replace('_', ' ')} is confirmed by {', '.join(seen)}")


def ceiling(signals: Sequence[Signal], score: int, block: int) -> Signal | None:
    """A negative weight holding a blocking score just under `block`, when automation must not list."""
    if score < block:
        return None
    if any(s.name == POPULAR for s in signals):
        why = "a long-established, widely used site is never listed automatically: an analyst decides"
        return Signal(CAPPED, block - 1 - score, why)
    if lookalike(signals) is not None:
        return None
    evidence = [s for s in signals if is_evidence(s) and s.weight > 0]
    if not evidence or score - sum(s.weight for s in evidence) >= block:
        return None
    if len({s.name for s in evidence if s.name in HARD}) >= 2:
        return None  # very strong: fraud by itself, seen twice over
    why = "page and DNS evidence about a name that imitates no protected brand: an analyst decides"
    return Signal(CAPPED, block - 1 - score, why)
