"""TLS certificate facts from the dictionary `ssl.SSLSocket.getpeercert()` returns. Pure."""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class TlsFacts:
    subject: str  # "CN=kaspi-bonus.kz" style, the parts that identify the holder
    issuer: str  # "O=Let's Encrypt, CN=R11"
    san: tuple[str, ...]  # "DNS:kaspi-bonus.kz", "IP:203.0.113.7"
    not_before: datetime | None
    not_after: datetime | None
    serial: str | None = None
    protocol: str | None = None  # "TLSv1.3"
    cipher: str | None = None

    @property
    def validity_days(self) -> float | None:
        """Short-lived certificates are normal (90 days); what matters is when it started."""
        if self.not_before is None or self.not_after is None:
            return None
        return (self.not_after - self.not_before).total_seconds() / 86400


_SHORT = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
}
_SAN_PREFIX = {"DNS": "DNS", "IP Address": "IP", "URI": "URI", "email": "email"}


def _name(rdns: Iterable[Any]) -> str:
    return ", ".join(
        f"{_SHORT[attribute[0]]}={attribute[1]}"
        for rdn in rdns
        for attribute in rdn
        if isinstance(attribute, tuple) and len(attribute) == 2 and attribute[0] in _SHORT
    )


def _when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), tz=UTC)
    except ValueError:
        return None


def tls_facts(peercert: Mapping[str, Any], protocol: str | None = None, cipher: str | None = None) -> TlsFacts:
    san = tuple(
        f"{_SAN_PREFIX.get(kind, kind)}:{value}"
        for kind, value in peercert.get("subjectAltName", ())
        if isinstance(kind, str) and isinstance(value, str)
    )
    serial = peercert.get("serialNumber")
    return TlsFacts(
        subject=_name(peercert.get("subject", ())),
        issuer=_name(peercert.get("issuer", ())),
        san=san,
        not_before=_when(peercert.get("notBefore")),
        not_after=_when(peercert.get("notAfter")),
        serial=serial if isinstance(serial, str) else None,
        protocol=protocol,
        cipher=cipher,
    )
