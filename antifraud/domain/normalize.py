"""Normalization of indicators: domains and URLs to ASCII names, phone numbers to E.164.

Pure functions. The public suffix list is external data: it is passed in as a `SuffixList`
(see `antifraud.adapters.suffixes` for the offline tldextract one), never fetched here.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol

import idna
import phonenumbers

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import IndicatorKey, IndicatorType
from antifraud.domain.phone_ranges import RANGE_MARK, normalize_phone_range
from antifraud.domain.urls import HostKind, InvalidUrl, parse_reported_url
from antifraud.domain.wallets import Wallet, normalize_wallet

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_INPUT_LENGTH = 2048
DEFAULT_PHONE_REGION = "KZ"

_LDH_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class SuffixSplit(NamedTuple):
    """A name split at its public suffix, as a suffix list sees it.

    A NamedTuple rather than a frozen dataclass: it is built for every name of a feed, and a tuple is
    built in C (a frozen dataclass pays a Python-level setattr per field)."""

    subdomain: str  # labels left of the registrable label, '' if none
    label: str  # the registrable label ('' when the name is itself a suffix)
    suffix: str  # the public suffix ('' when unknown)
    private: bool  # the suffix comes from the list's private part (a hosting platform)


class SuffixList(Protocol):
    def split(self, ascii_name: str) -> SuffixSplit: ...


class DomainName(NamedTuple):
    """A normalized host name (a NamedTuple for the same reason as SuffixSplit)."""

    ascii: str  # lower-case, punycode, no trailing dot
    unicode: str  # the display form of an IDN (same as ascii otherwise)
    subdomain: str
    label: str
    suffix: str
    private_suffix: bool

    @property
    def registered(self) -> str:
        """The registrable domain; on a shared platform (private suffix) that is the tenant's host."""
        return f"{self.label}.{self.suffix}"

    def registered_name(self) -> DomainName:
        """The registrable domain as a DomainName of its own (no subdomain)."""
        if not self.subdomain:
            return self
        depth = self.suffix.count(".") + 2
        return DomainName(
            ascii=self.registered,
            unicode=".".join(self.unicode.split(".")[-depth:]),
            subdomain="",
            label=self.label,
            suffix=self.suffix,
            private_suffix=self.private_suffix,
        )

    @property
    def is_idn(self) -> bool:
        return self.ascii != self.unicode

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.ascii.split("."))


def _host_of(text: str) -> str:
    """The host a browser would open for what may be a URL, a name with a port, or a bare IP address."""
    if ":" in text and _is_ip_literal(text.strip("[]")):
        return text.strip("[]")  # a bare IPv6 address, refused as an IP address below
    try:
        url = parse_reported_url(text)
    except InvalidUrl as exc:
        raise InvalidIndicator(f"cannot read {text[:80]!r} as a browser would: {exc}", field="value") from exc
    if not url.host:
        raise InvalidIndicator(f"{text[:80]!r} has no host name", field="value")
    return url.host


_MAYBE_IP = re.compile(r"^[0-9.]+$|:")
_ALL_DIGITS = re.compile(r"^[0-9.]+$")


def _is_ip_literal(host: str) -> bool:
    if not _MAYBE_IP.search(host):  # the common case costs a regex, not an exception
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _to_ascii(host: str) -> tuple[str, str]:
    """Return (ascii, unicode) forms of a host name, validating labels."""
    if host.isascii() and _LDH_NAME.match(host) and "xn--" not in host:
        return host, host
    try:
        ascii_name = idna.encode(host, uts46=True, std3_rules=True, transitional=False).decode("ascii")
        unicode_name = idna.decode(ascii_name)
    except idna.IDNAError as exc:
        raise InvalidIndicator(f"{host!r} is not a valid domain name: {exc}", field="value") from exc
    except UnicodeError as exc:  # idna raises this for empty or overlong labels
        raise InvalidIndicator(f"{host!r} is not a valid domain name: {exc}", field="value") from exc
    return ascii_name, unicode_name


def normalize_domain(text: str, suffixes: SuffixList) -> DomainName:
    """Normalize a domain name or the host of a URL.

    Raises InvalidIndicator for empty input, IP literals, invalid or overlong labels, unknown
    top-level domains and names that are themselves a public suffix.
    """
    raw = text.strip()
    if _LDH_NAME.match(raw) and len(raw) <= MAX_NAME_LENGTH and "xn--" not in raw and not _ALL_DIGITS.match(raw):
        return _split(raw, raw, suffixes)  # already a plain lower-case name: the common case of a feed
    if not raw:
        raise InvalidIndicator("the domain is empty", field="value")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidIndicator(f"the value is longer than {MAX_INPUT_LENGTH} characters", field="value")
    return _name_from_host(_host_of(raw), suffixes)


def _name_from_host(host_text: str, suffixes: SuffixList) -> DomainName:
    """The checks every host passes, however it was written: no IP address, DNS-valid labels, a known suffix."""
    host = host_text.strip().lower().removesuffix(".")
    if _LDH_NAME.match(host) and len(host) <= MAX_NAME_LENGTH and "xn--" not in host and not _ALL_DIGITS.match(host):
        return _split(host, host, suffixes)  # a plain name, as most hosts are: nothing to map or check
    if not host:
        raise InvalidIndicator(f"{host_text!r} has no host name", field="value")
    if _is_ip_literal(host):
        raise InvalidIndicator(f"{host!r} is an IP address; report the domain name or the URL instead", field="value")
    if ".." in host or host.startswith("."):
        raise InvalidIndicator(f"{host!r} has an empty label", field="value")
    ascii_name, unicode_name = _to_ascii(host)
    if len(ascii_name) > MAX_NAME_LENGTH:
        raise InvalidIndicator(
            f"the name is {len(ascii_name)} characters long; DNS allows at most {MAX_NAME_LENGTH}",
            field="value",
        )
    for label in ascii_name.split("."):
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidIndicator(
                f"label {label[:20]!r}... is {len(label)} characters long; DNS allows at most {MAX_LABEL_LENGTH}",
                field="value",
            )
    return _split(ascii_name, unicode_name, suffixes)


def _split(ascii_name: str, unicode_name: str, suffixes: SuffixList) -> DomainName:
    split = suffixes.split(ascii_name)
    if not split.suffix:
        raise InvalidIndicator(f"{ascii_name!r} does not end in a known top-level domain", field="value")
    if not split.label:
        raise InvalidIndicator(f"{ascii_name!r} is a public suffix, not a registrable domain", field="value")
    return DomainName(
        ascii=ascii_name,
        unicode=unicode_name,
        subdomain=split.subdomain,
        label=split.label,
        suffix=split.suffix,
        private_suffix=split.private,
    )


@dataclass(frozen=True, slots=True)
class NormalizedUrl:
    url: str  # scheme://host[:port]/path?query, host in ASCII, fragment dropped
    host: DomainName


def normalize_url(text: str, suffixes: SuffixList) -> NormalizedUrl:
    raw = text.strip()
    if not raw:
        raise InvalidIndicator("the URL is empty", field="value")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidIndicator(f"the URL is longer than {MAX_INPUT_LENGTH} characters", field="value")
    try:
        url = parse_reported_url(raw)
    except InvalidUrl as exc:
        raise InvalidIndicator(f"cannot parse {text[:80]!r} as a URL: {exc}", field="value") from exc
    if url.scheme not in {"http", "https"}:
        raise InvalidIndicator(f"URL scheme {url.scheme!r} is not http or https", field="value")
    if url.host_kind is not HostKind.DOMAIN:
        raise InvalidIndicator(
            f"{url.host!r} is an IP address; report the domain name or the URL instead", field="value"
        )
    host = _name_from_host(url.host, suffixes)
    netloc = host.ascii if url.port is None else f"{host.ascii}:{url.port}"
    query = f"?{url.query}" if url.query else ""
    return NormalizedUrl(url=f"{url.scheme}://{netloc}{url.path}{query}", host=host)


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A normalized phone number."""

    e164: str  # '+77012345678'; for a short code, its digits ('1414')
    region: str | None  # ISO region from the numbering plan ('KZ', 'RU'); None when unallocated
    number_type: str  # mobile, fixed_line, premium_rate, toll_free, voip, shared_cost, short_code, unknown
    valid: bool  # allocated in the numbering plan (phonenumbers' metadata)

    @property
    def is_short_code(self) -> bool:
        return self.number_type == "short_code"


_TYPE_NAMES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
    phonenumbers.PhoneNumberType.UNKNOWN: "unknown",
}
_PHONE_CHARS = re.compile(r"^[+\d\s().\-/]+$")
_SHORT_CODE = re.compile(r"^\d{3,6}$")


@lru_cache(maxsize=1 << 18)
def normalize_phone(text: str, default_region: str = DEFAULT_PHONE_REGION) -> PhoneNumber:
    """Normalize a phone number to E.164. Cached: repeated numbers cost a dict lookup.

    `+7…`, `8…` (trunk prefix) and `7…` national forms all become `+7…`; KZ vs RU comes from the
    numbering plan. Raises InvalidIndicator for text that is not a possible number.
    """
    raw = text.strip()
    if not raw:
        raise InvalidIndicator("the phone number is empty", field="value")
    if len(raw) > 64 or not _PHONE_CHARS.match(raw):
        raise InvalidIndicator(
            f"{raw[:40]!r} is not a phone number: use digits, spaces, '+', '(', ')', '-'", field="value"
        )
    compact = re.sub(r"[\s().\-/]", "", raw)
    if _SHORT_CODE.match(compact):
        return PhoneNumber(e164=compact, region=default_region, number_type="short_code", valid=True)
    if not compact.startswith("+") and len(compact) == 11 and compact[0] in "78" and default_region in {"KZ", "RU"}:
        # 8… (trunk prefix) and 7… (country code without '+') are both +7… on the shared Kazakh/Russian plan
        compact = "+7" + compact[1:]
    try:
        number = phonenumbers.parse(compact, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIndicator(f"{raw!r} is not a phone number: {exc}", field="value") from exc
    if not phonenumbers.is_possible_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        why = {
            phonenumbers.ValidationResult.TOO_SHORT: "too short",
            phonenumbers.ValidationResult.TOO_LONG: "too long",
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "an unknown country code",
            phonenumbers.ValidationResult.INVALID_LENGTH: "the wrong length",
        }.get(reason, "not a possible number")
        raise InvalidIndicator(f"{raw!r} is {why} for a phone number", field="value")
    national = str(number.national_number)
    if number.country_code == 7 and len(national) != 10:  # Kazakhstan and Russia share +7 with 10-digit numbers
        raise InvalidIndicator(
            f"{raw!r} has {len(national)} digits after +7; Kazakh and Russian numbers have 10", field="value"
        )
    valid = phonenumbers.is_valid_number(number)
    region = phonenumbers.region_code_for_number(number) if valid else None
    return PhoneNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        region=region,
        number_type=_TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"),
        valid=valid,
    )


@dataclass(frozen=True, slots=True)
class NormalizedIndicator:
    """A reported value made canonical: the key it is tracked and listed under, and what came with it."""

    key: IndicatorKey
    display: str  # Unicode form of the registrable domain, or the E.164 number
    url: str | None = None  # a reported URL, kept as evidence
    name: DomainName | None = None  # the full name as given: its subdomains are evidence too
    phone: PhoneNumber | None = None
    wallet: Wallet | None = None


def normalize_indicator(kind: IndicatorType, text: str, suffixes: SuffixList) -> NormalizedIndicator:
    """The identity under which a reported value is tracked and listed.

    URLs are tracked by their host's registrable domain, the unit DNS blocklists enforce; the URL
    itself stays on the report as evidence. A page on a shared platform lists the tenant's host.
    """
    if kind is IndicatorType.PHONE:
        if text.rstrip().endswith(RANGE_MARK):  # a number range: the prefix an analyst lists as a whole
            prefix = normalize_phone_range(text)
            return NormalizedIndicator(IndicatorKey(IndicatorType.PHONE, prefix), prefix)
        phone = normalize_phone(text)
        return NormalizedIndicator(IndicatorKey(IndicatorType.PHONE, phone.e164), phone.e164, phone=phone)
    if kind is IndicatorType.WALLET:
        wallet = normalize_wallet(text)
        return NormalizedIndicator(IndicatorKey(IndicatorType.WALLET, wallet.value), wallet.display, wallet=wallet)
    url: str | None = None
    if kind is IndicatorType.URL:
        normalized_url = normalize_url(text, suffixes)
        name, url = normalized_url.host, normalized_url.url
    else:
        name = normalize_domain(text, suffixes)
    registered = name.registered_name()
    return NormalizedIndicator(IndicatorKey(IndicatorType.DOMAIN, registered.ascii), registered.unicode, url, name)
