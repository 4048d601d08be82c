"""API keys: created once, shown once, stored as a SHA-256 of their secret part.

A key looks like `af_<key id>_<secret>`. The key id finds the record; the secret is compared in
constant time. Keys carry 256 bits of randomness, so a fast hash is enough (no password stretching
is needed against guessing) and keeps per-request verification cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from antifraud.domain.errors import InvalidInput
from antifraud.ports import ApiKeyRecord, Store

SCOPES = frozenset({"report", "check", "pull", "analyst", "admin", "metrics"})
PREFIX = "af"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_key(presented: str) -> tuple[str, str] | None:
    parts = presented.split("_")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def parse_scopes(text: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = scopes - SCOPES
    if not scopes:
        raise InvalidInput("give at least one scope", field="scopes")
    if unknown:
        raise InvalidInput(
            f"unknown scopes: {', '.join(sorted(unknown))} (known: {', '.join(sorted(SCOPES))})", field="scopes"
        )
    return scopes


@dataclass(frozen=True, slots=True)
class NewKey:
    key: str  # shown once
    record: ApiKeyRecord


async def create_key(store: Store, operator_name: str, scopes: frozenset[str]) -> NewKey:
    name = operator_name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("the operator name must be 1-100 characters", field="name")
    operator = await store.ensure_operator(name)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32).replace("_", "-")  # '_' separates the parts
    record = ApiKeyRecord(key_id=key_id, secret_hash=hash_secret(secret), scopes=scopes, operator=operator)
    await store.add_key(record)
    return NewKey(key=f"{PREFIX}_{key_id}_{secret}", record=record)


def verify(record: ApiKeyRecord, secret: str) -> bool:
    return not record.revoked and hmac.compare_digest(record.secret_hash, hash_secret(secret))
