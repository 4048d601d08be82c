"""The vocabulary of the center: indicators, signals, assessments, listings, snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class IndicatorType(StrEnum):
    DOMAIN = "domain"
    URL = "url"
    PHONE = "phone"


class ListKind(StrEnum):
    """The two families of published lists: what resolvers pull and what gateways pull."""

    DOMAINS = "domains"
    PHONES = "phones"


class Category(StrEnum):
    PHISHING = "phishing"
    INVESTMENT_SCAM = "investment_scam"
    PYRAMID = "pyramid"
    ILLEGAL_EXCHANGE = "illegal_exchange"
    MONEY_LAUNDERING = "money_laundering"
    BANK_IMPERSONATION = "bank_impersonation"
    SPOOFED_CALL = "spoofed_call"
    WANGIRI = "wangiri"
    SMS_SCAM = "sms_scam"
    FAKE_SHOP = "fake_shop"
    MALWARE = "malware"
    OTHER = "other"


class Verdict(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    NONE = "none"
    ALLOW = "allow"


class ListingState(StrEnum):
    CANDIDATE = "candidate"
    REVIEW = "review"
    LISTED = "listed"
    EXPIRED = "expired"
    DELISTED = "delisted"


class DecisionOrigin(StrEnum):
    """Who made a decision: the policy by itself, or a person."""

    AUTO = "auto"
    ANALYST = "analyst"


class Action(StrEnum):
    """What an analyst decides about an indicator."""

    BLOCK = "block"
    ALLOW = "allow"
    UNLIST = "unlist"


@dataclass(frozen=True, slots=True)
class Signal:
    """One named piece of evidence. `weight` adds to the score; `detail` is for people."""

    name: str
    weight: int
    detail: str


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int
    verdict: Verdict
    signals: tuple[Signal, ...] = ()
    category: Category | None = None  # the category the evidence points to, if any

    @property
    def reasons(self) -> list[str]:
        return [s.detail for s in self.signals]


@dataclass(frozen=True, slots=True)
class IndicatorKey:
    """The identity of an indicator: its kind and normalized value (ASCII domain or E.164)."""

    type: IndicatorType
    value: str

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"

    @property
    def list_kind(self) -> ListKind:
        return ListKind.PHONES if self.type is IndicatorType.PHONE else ListKind.DOMAINS


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One line of a published list."""

    value: str  # ASCII (punycode) domain or E.164 number
    category: Category
    score: int
    listed_at: datetime
    expires_at: datetime | None = None
    display: str | None = None  # Unicode form of an IDN, for people
    origin: DecisionOrigin = DecisionOrigin.AUTO


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything listed at one version. Versions are monotonic and shared by every list."""

    version: int
    generated_at: datetime
    domains: tuple[ListEntry, ...] = ()
    phones: tuple[ListEntry, ...] = ()

    def entries(self, kind: ListKind) -> tuple[ListEntry, ...]:
        return self.domains if kind is ListKind.DOMAINS else self.phones


@dataclass(frozen=True, slots=True)
class Delta:
    """What changed in one list between two versions."""

    kind: ListKind
    from_version: int
    to_version: int
    added: tuple[ListEntry, ...] = field(default=())
    removed: tuple[str, ...] = field(default=())
