"""Crawl targets: a URL parsed the way a browser would, before anything is resolved or fetched.

The host decides where the crawler connects, so it is parsed strictly and once: IPv4 literals in
the legacy forms browsers and `inet_aton` accept (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`)
are recognised as the addresses they are, IPv6 zone indexes are refused, names are IDNA-encoded,
userinfo is dropped (never sent) and the fragment removed. The crawler fetches the canonical URL
built here, so the HTTP client never sees the original spelling and cannot read it differently.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import idna

from antifraud.content.addresses import IPAddress

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 4096
# Characters left as they are in a path or query: RFC 3986 reserved and unreserved, and '%'
# so that existing escapes survive; everything else (spaces, quotes, non-ASCII) is escaped.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_FORBIDDEN_IN_AUTHORITY = re.compile(r"[\\\s\x00-\x1f\x7f<>^`{|}\"]")
_LDH_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


class BadTarget(ValueError):  # noqa: N818 - the condition, like dns.exception's names
    """A URL the crawler will not fetch; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """A URL ready to fetch. `address` is set when the host is an IP literal (no lookup needed)."""

    url: str  # canonical: scheme://host[:port]/path[?query]
    scheme: str
    host: str  # ASCII name or canonical IP text (IPv6 without brackets)
    port: int
    address: IPAddress | None

    @property
    def is_https(self) -> bool:
        return self.scheme == "https"


def _whatwg_number(part: str) -> int | None:
    """One part of a legacy IPv4 host: decimal, 0x-hex or 0-octal; None when not a number."""
    if part.lower().startswith("0x"):
        digits, base = part[2:], 16
        if digits == "":
            return 0
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any form browsers accept, or None when it is a name.

    Raises BadTarget for hosts that end in a number but do not make an address (`1.2.3.999`),
    which browsers reject too.
    """
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # one trailing dot is allowed
    last = parts[-1] if parts else ""
    # WHATWG: a host is an IPv4 address exactly when its last label is a number.
    if not last or (_whatwg_number(last) is None and not last.isdigit()):
        return None
    if len(parts) > 4:
        raise BadTarget(f"{host!r} looks like an IPv4 address but has {len(parts)} parts")
    numbers: list[int] = []
    for part in parts:
        number = _whatwg_number(part) if part else None
        if number is None:
            raise BadTarget(f"{host!r} looks like an IPv4 address but {part!r} is not a number")
        numbers.append(number)
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise BadTarget(f"{host!r} is out of range for an IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ascii_name(host: str) -> str:
    name = host.removesuffix(".")
    if not name or ".." in name or name.startswith("."):
        raise BadTarget(f"host {host!r} has an empty label")
    if "%" in name:
        raise BadTarget(f"host {host!r} contains a percent escape")
    if not name.isascii() or "xn--" in name:
        try:
            name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise BadTarget(f"host {host!r} is not a valid domain name: {exc}") from exc
    name = name.lower()
    if len(name) > 253 or not all(_LDH_LABEL.match(label) for label in name.split(".")):
        raise BadTarget(f"host {host!r} is not a valid domain name")
    return name


def _host(netloc: str, raw_host: str) -> tuple[str, IPAddress | None]:
    if raw_host.startswith("["):
        inner = raw_host.strip("[]")
        if "%" in inner:
            raise BadTarget(f"{netloc!r}: an IPv6 zone index names an interface of this machine")
        try:
            address6 = ipaddress.IPv6Address(inner)
        except ValueError as exc:
            raise BadTarget(f"{netloc!r}: {inner!r} is not an IPv6 address") from exc
        return str(address6), address6
    address4 = legacy_ipv4(raw_host)
    if address4 is not None:
        return str(address4), address4
    return _ascii_name(raw_host), None


def parse_target(text: str) -> Target:
    """Parse an absolute http(s) URL. Raises BadTarget saying what is wrong with it."""
    raw = text.strip()
    if not raw:
        raise BadTarget("the URL is empty")
    if len(raw) > MAX_URL_LENGTH:
        raise BadTarget(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if "://" not in raw:
        raise BadTarget(f"{raw[:80]!r} is not an absolute URL (no scheme)")
    scheme, _, rest = raw.partition("://")
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BadTarget(f"scheme {scheme!r} is not http or https")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if _FORBIDDEN_IN_AUTHORITY.search(authority):
        # Backslashes and whitespace are read differently by different URL parsers.
        raise BadTarget(f"the authority {authority[:80]!r} contains a backslash, space or control character")
    hostport = authority.rpartition("@")[2]  # userinfo is dropped: the crawler never sends credentials
    try:
        parts = urlsplit(f"{scheme}://{hostport}{rest[len(authority) :]}")
        port = parts.port
    except ValueError as exc:
        raise BadTarget(f"cannot parse {raw[:80]!r}: {exc}") from exc
    raw_host = parts.hostname
    if not raw_host:
        raise BadTarget(f"{raw[:80]!r} has no host")
    host, address = _host(hostport, f"[{raw_host}]" if hostport.startswith("[") else raw_host)
    if port is None:
        port = DEFAULT_PORTS[scheme]
    if port == 0:
        raise BadTarget("port 0 is not a port a server listens on")
    shown = f"[{host}]" if address is not None and address.version == 6 else host
    netloc = shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = f"?{quote(parts.query, safe=_QUERY_SAFE)}" if parts.query else ""
    return Target(url=f"{scheme}://{netloc}{path}{query}", scheme=scheme, host=host, port=port, address=address)


def resolve_location(base: str, location: str) -> str:
    """The absolute URL a Location header points to, relative to the URL that sent it."""
    return urljoin(base, location.strip())
