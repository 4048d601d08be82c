"""One URL parser for the whole center: URLs read the way browsers read them (the WHATWG URL Standard).

A fraudster writes the URL and a browser decides where it goes, so any parser that reads it
differently from the browser is a way around our checks: `http://evil.kz\\@kaspi.kz/` opens
evil.kz (in http URLs a backslash ends the host like a slash), `http://0x7f.1/` is 127.0.0.1,
`http://ex%41mple.kz/` is example.kz, a tab or newline inside a URL is dropped. Intake
normalization, the crawler and page analysis all parse through here.

The parsing itself is Ada (the `ada-url` package), the WHATWG-conformant parser Node.js uses; this
module turns its answer into a small typed value, drops credentials, and when Ada refuses a URL it
says why in words (Ada only answers "invalid"). Checked against Chromium's own parser on the test
table: they agree on every row but one (Chromium alone accepts a space in a host, as `%20`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import unquote

import idna

# Ada's C API (ada_c.h) through the cffi module that ada_url's own Python layer calls: the same parser
# and getters, without that layer's per-attribute lookups (4 µs a URL instead of 20). Pinned below the
# next major version in pyproject.toml; tests/unit/domain/test_urls.py compares it with ada_url's public API.
from ada_url._ada_wrapper import ffi, lib

from antifraud.domain.errors import InvalidIndicator

SPECIAL_SCHEMES: dict[str, int | None] = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "file": None}
# Schemes a person who types `scheme:...` means as a scheme; anything else before a colon (`kaspi.kz:8080`)
# is a host and port with the scheme left out, as a browser's address bar reads it.
KNOWN_SCHEMES = frozenset(
    {*SPECIAL_SCHEMES, "javascript", "data", "mailto", "tel", "sms", "blob", "about", "view-source", "intent"}
    | {"tg", "whatsapp", "viber", "skype", "sip", "sips", "market", "itms-apps", "chrome", "urn"}
)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
# WHATWG "forbidden domain code points", as they may appear in a host after percent-decoding
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|]")


class HostKind(StrEnum):
    DOMAIN = "domain"  # a name to look up in DNS
    IPV4 = "ipv4"  # any spelling browsers read as IPv4 (127.1, 0x7f.1, 2130706433), shown dotted
    IPV6 = "ipv6"
    OPAQUE = "opaque"  # the host of a scheme browsers do not resolve themselves (git://, tg://)
    EMPTY = "empty"  # no host at all: mailto:, javascript:, data:, file:///


class InvalidUrl(InvalidIndicator):
    """A URL no browser would open; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class WebUrl:
    """A parsed URL. Credentials are not kept, only whether there were any; the fragment is dropped."""

    scheme: str  # lower case, without ':'
    host: str  # as the browser resolves it: lower-case ASCII (IDNA, percent-decoded), dotted IPv4, bare IPv6
    host_kind: HostKind
    port: int | None  # None when absent or the scheme's default
    path: str  # percent-encoded and with dot segments resolved, as the browser sends it
    query: str  # without the '?'; '' when none
    has_username: bool
    has_password: bool

    @property
    def special(self) -> bool:
        """http, https, ws, wss, ftp and file: the schemes whose hosts browsers parse and resolve."""
        return self.scheme in SPECIAL_SCHEMES

    @property
    def effective_port(self) -> int | None:
        return self.port if self.port is not None else SPECIAL_SCHEMES.get(self.scheme)

    @property
    def name(self) -> str:
        """The host as DNS is asked for it: one trailing dot dropped (`kaspi.kz.` is `kaspi.kz`)."""
        return self.host.removesuffix(".") if self.host_kind is HostKind.DOMAIN else self.host

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if self.host_kind is HostKind.IPV6 else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """scheme://host[:port]/path[?query]: without credentials and fragment."""
        query = f"?{self.query}" if self.query else ""
        if self.host_kind is HostKind.EMPTY and self.scheme != "file":
            return f"{self.scheme}:{self.path}{query}"
        return f"{self.scheme}://{self.authority}{self.path}{query}"


def _clean(text: str) -> str:
    """What the WHATWG parser does first: strip leading/trailing C0 controls and spaces, drop tabs and newlines."""
    return text.strip(_C0_AND_SPACE).translate(_TAB_OR_NEWLINE)


def parse_url(text: str, base: str | None = None) -> WebUrl:
    """Parse an absolute URL, or a reference relative to `base`, exactly as a browser does.

    Raises InvalidUrl saying what is wrong. Text with lone surrogates (which no page can carry) is invalid.
    """
    try:
        data = text.encode("utf-8")
        if base is None:
            handle = lib.ada_parse(data, len(data))
        else:
            base_data = base.encode("utf-8")
            handle = lib.ada_parse_with_base(data, len(data), base_data, len(base_data))
    except UnicodeEncodeError:
        raise InvalidUrl(_why_invalid(text, base)) from None
    try:
        if not lib.ada_is_valid(handle):
            raise InvalidUrl(_why_invalid(text, base))
        return _web_url(handle)
    finally:
        lib.ada_free(handle)


def parse_reported_url(text: str) -> WebUrl:
    """Parse what a person typed or pasted, as a browser's address bar does: without a scheme it is http.

    `kaspi-bonus.kz/login`, `kaspi-bonus.kz:8080` and `//kaspi-bonus.kz/` are http URLs;
    `mailto:x@evil.kz` keeps its scheme.
    """
    cleaned = _clean(text)
    match = _SCHEME.match(cleaned)
    if match is None or (
        match.group(1).lower() not in KNOWN_SCHEMES and cleaned[match.end() : match.end() + 2] not in {"//", "\\\\"}
    ):
        cleaned = "http://" + cleaned
    return parse_url(cleaned)


def resolve_reference(base: str, reference: str) -> WebUrl:
    """Where a link, form action, redirect Location or <base href> on `base` points."""
    return parse_url(reference, base)


_ADA_HOST_TYPES = {1: HostKind.IPV4, 2: HostKind.IPV6}  # ada_get_host_type: 0 is a domain


def _text(value: Any) -> str:
    """An ada_string (a view into the parsed URL) copied out before the URL is freed."""
    return ffi.unpack(value.data, value.length).decode("utf-8") if value.length else ""


def _web_url(handle: Any) -> WebUrl:
    scheme = _text(lib.ada_get_protocol(handle)).removesuffix(":")
    host = _text(lib.ada_get_hostname(handle))
    if scheme not in SPECIAL_SCHEMES:
        kind = HostKind.OPAQUE if host else HostKind.EMPTY
    elif not host:
        kind = HostKind.EMPTY
    else:
        kind = _ADA_HOST_TYPES.get(lib.ada_get_host_type(handle), HostKind.DOMAIN)
        if kind is HostKind.IPV6:
            host = host.removeprefix("[").removesuffix("]")
    port_text = _text(lib.ada_get_port(handle))
    return WebUrl(
        scheme=scheme,
        host=host,
        host_kind=kind,
        port=int(port_text) if port_text else None,
        path=_text(lib.ada_get_pathname(handle)),
        query=_text(lib.ada_get_search(handle)).removeprefix("?"),
        has_username=bool(lib.ada_has_non_empty_username(handle)),
        has_password=bool(lib.ada_has_non_empty_password(handle)),
    )


# --- why a URL was refused: Ada says only "invalid", people need to know what to fix ---------------


def _shown(text: str) -> str:
    return repr(text[:80] + ("..." if len(text) > 80 else ""))


def _why_invalid(text: str, base: str | None) -> str:
    if not text.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return f"{_shown(text)} contains a lone surrogate, which is not a character"
    cleaned = _clean(text)
    if not cleaned:
        return "the URL is empty"
    match = _SCHEME.match(cleaned)
    if match is None:
        if base is None:
            return f"{_shown(text)} has no scheme (such as https://)"
        base_data = base.encode("utf-8", "surrogatepass")
        if not lib.ada_can_parse(base_data, len(base_data)):
            return f"the base URL {_shown(base)} is not a valid URL"
        return f"{_shown(text)} cannot be resolved against {_shown(base)}"
    scheme = match.group(1).lower()
    if scheme not in SPECIAL_SCHEMES or scheme == "file":
        return f"{_shown(text)} is not a valid {scheme}: URL"
    return _why_authority_invalid(text, cleaned[match.end() :])


def _why_authority_invalid(text: str, after_scheme: str) -> str:
    authority = re.split(r"[/\\?#]", after_scheme.lstrip("/\\"), maxsplit=1)[0]
    hostport = authority.rpartition("@")[2]
    if not hostport:
        return f"{_shown(text)} has no host"
    if hostport.startswith("["):
        host, closed, after = hostport.partition("]")
        if not closed:
            return f"{_shown(text)}: the IPv6 address in [...] is not closed"
        host += "]"
        port = after.removeprefix(":") if after.startswith(":") else None
        if after and port is None:
            return f"{_shown(text)}: {after[:20]!r} follows the IPv6 address where only a :port may"
    else:
        host, colon, port_text = hostport.partition(":")
        port = port_text if colon else None
    if port:
        if not port.isascii() or not port.isdigit():
            return f"the port {port[:20]!r} is not a number"
        if int(port) > 65535:
            return f"the port {int(port)} is out of range (0-65535)"
    return f"{_shown(text)}: {_why_host_invalid(host)}"


def _why_host_invalid(host: str) -> str:
    if not host:
        return "the host is empty"
    if host.startswith("["):
        inner = host[1:-1]
        if "%" in inner:
            return f"the host {host!r} has an IPv6 zone index, which names an interface of the local machine"
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            return f"the host {host!r} is not a valid IPv6 address"
        return f"the host {host!r} is not an IPv6 address a browser accepts"
    try:
        decoded = unquote(host, errors="strict") if "%" in host else host
    except UnicodeDecodeError:
        return f"the host {host[:80]!r} has percent-escapes that are not UTF-8"
    bad = _FORBIDDEN_IN_HOST.search(decoded)
    if bad is not None:
        return f"the host {host[:80]!r} contains {bad.group(0)!r}, which no host name may contain"
    labels = decoded.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    if _is_number(labels[-1]):
        return _why_ipv4_invalid(host, labels)
    try:
        idna.encode(decoded, uts46=True, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError) as exc:
        return f"the host {host[:80]!r} is not a valid domain name: {exc}"
    return f"the host {host[:80]!r} is not a host a browser accepts"


def _number(part: str) -> int | None:
    """One part of an IPv4 host as browsers read it: decimal, 0x-hex or 0-octal."""
    lowered = part.lower()
    if lowered.startswith("0x"):
        digits, base = lowered[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if digits == "" and base == 16:
        return 0
    if not digits.isascii() or not digits.isalnum():
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


def _is_number(label: str) -> bool:
    """WHATWG's 'ends in a number': the last label is digits, or a whole IPv4 number (0x1f)."""
    return (label.isascii() and label.isdigit()) or _number(label) is not None


def _why_ipv4_invalid(host: str, labels: list[str]) -> str:
    if len(labels) > 4:
        return f"the host {host!r} ends in a number, so it is read as an IPv4 address, but it has {len(labels)} parts"
    for label in labels:
        if _number(label) is None:
            return (
                f"the host {host!r} ends in a number, so it is read as an IPv4 address, but {label!r} is not a number"
            )
    return f"the host {host!r} is out of range for an IPv4 address"
