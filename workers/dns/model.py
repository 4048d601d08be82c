"""What one DNS probe saw. Pure data: no resolver here, so signals and history need no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How one lookup ended. Kept apart on purpose: only NXDOMAIN says a name does not exist;
    SERVFAIL and timeouts say nothing about registration (lame delegation, DNSSEC failure, a
    resolver under load), and treating them as "registered" or "gone" both cause wrong listings."""

    ANSWER = "answer"
    NODATA = "nodata"  # the name exists, without records of this type
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"  # unreachable server, malformed answer


# When A and AAAA disagree, the more informative outcome describes the name.
_PRECEDENCE = (
    Outcome.ANSWER,
    Outcome.NODATA,
    Outcome.NXDOMAIN,
    Outcome.SERVFAIL,
    Outcome.REFUSED,
    Outcome.TIMEOUT,
    Outcome.ERROR,
)


class Registration(StrEnum):
    REGISTERED = "registered"
    UNREGISTERED = "unregistered"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Lookup:
    rdtype: str  # A, AAAA, NS, MX, CNAME
    outcome: Outcome
    records: tuple[str, ...] = ()  # presentation form, sorted
    ttl: int | None = None  # the answer's TTL (the smallest along the CNAME chain)
    cnames: tuple[str, ...] = ()  # the CNAME targets followed, in order
    detail: str = ""  # what went wrong, for people

    def to_json(self) -> dict[str, Any]:
        return {
            "rdtype": self.rdtype,
            "outcome": self.outcome.value,
            "records": list(self.records),
            "ttl": self.ttl,
            "cnames": list(self.cnames),
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lookup:
        return cls(
            rdtype=str(data["rdtype"]),
            outcome=Outcome(data["outcome"]),
            records=tuple(data.get("records", ())),
            ttl=data.get("ttl"),
            cnames=tuple(data.get("cnames", ())),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True, slots=True)
class DnsObservation:
    name: str  # the probed name, ASCII, no trailing dot
    zone: str  # its registered domain: NS and the wildcard test are asked there
    observed_at: datetime
    lookups: tuple[Lookup, ...]
    wildcard: Lookup | None = None  # A lookup of a random label under the zone

    def lookup(self, rdtype: str) -> Lookup | None:
        for item in self.lookups:
            if item.rdtype == rdtype:
                return item
        return None

    def records(self, rdtype: str) -> tuple[str, ...]:
        found = self.lookup(rdtype)
        return found.records if found is not None and found.outcome is Outcome.ANSWER else ()

    @property
    def outcome(self) -> Outcome:
        """The name's state from its address lookups."""
        seen = {item.outcome for item in self.lookups if item.rdtype in {"A", "AAAA"}}
        for outcome in _PRECEDENCE:
            if outcome in seen:
                return outcome
        return Outcome.ERROR

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.records("A") + self.records("AAAA")

    @property
    def address_ttl(self) -> int | None:
        ttls = [
            item.ttl
            for item in self.lookups
            if item.rdtype in {"A", "AAAA"} and item.outcome is Outcome.ANSWER and item.ttl is not None
        ]
        return min(ttls) if ttls else None

    @property
    def cname_chain(self) -> tuple[str, ...]:
        for rdtype in ("A", "AAAA"):
            found = self.lookup(rdtype)
            if found is not None and found.cnames:
                return found.cnames
        return ()

    @property
    def wildcard_detected(self) -> bool | None:
        """True: a random label resolves, so any name under the zone does. None: could not tell."""
        if self.wildcard is None:
            return None
        if self.wildcard.outcome is Outcome.ANSWER:
            return True
        if self.wildcard.outcome in {Outcome.NXDOMAIN, Outcome.NODATA}:
            return False
        return None

    @property
    def registration(self) -> Registration:
        """Whether the zone exists, from its NS lookup first (a name below it may simply not exist)."""
        ns = self.lookup("NS")
        if ns is not None:
            if ns.outcome in {Outcome.ANSWER, Outcome.NODATA}:
                return Registration.REGISTERED
            if ns.outcome is Outcome.NXDOMAIN:
                return Registration.UNREGISTERED
        if self.name == self.zone:
            if self.outcome in {Outcome.ANSWER, Outcome.NODATA}:
                return Registration.REGISTERED
            if self.outcome is Outcome.NXDOMAIN:
                return Registration.UNREGISTERED
        elif self.outcome in {Outcome.ANSWER, Outcome.NODATA}:
            return Registration.REGISTERED  # a name below the zone exists, so the zone does
        return Registration.UNKNOWN

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "zone": self.zone,
                "observed_at": self.observed_at.isoformat(),
                "lookups": [item.to_json() for item in self.lookups],
                "wildcard": None if self.wildcard is None else self.wildcard.to_json(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> DnsObservation:
        data = json.loads(text)
        wildcard = data.get("wildcard")
        return cls(
            name=data["name"],
            zone=data["zone"],
            observed_at=datetime.fromisoformat(data["observed_at"]),
            lookups=tuple(Lookup.from_json(item) for item in data["lookups"]),
            wildcard=None if wildcard is None else Lookup.from_json(wildcard),
        )
