"""Crawl targets: a URL parsed the way a browser would, before anything is resolved or fetched.

The host decides where the crawler connects, so it comes from the one WHATWG parser
(`antifraud.domain.urls`): IPv4 in every form browsers accept (`2130706433`, `0x7f.1`, `0177.0.0.1`,
`127.1`) is the address it spells, percent-escapes and full-width characters in names are decoded,
names are IDNA-encoded, backslashes, tabs and newlines mean what they mean to a browser, userinfo
is dropped (never sent) and the fragment removed. The crawler fetches the canonical URL built
here, so the HTTP client never sees the original spelling and cannot read it differently.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from antifraud.content.addresses import IPAddress
from antifraud.domain.urls import HostKind, InvalidUrl, WebUrl, parse_url, resolve_reference

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 4096
# Characters left as they are in a path or query: RFC 3986 reserved and unreserved, and '%'
# so that existing escapes survive; what a browser leaves raw but RFC 3986 does not allow
# in a request target (`|`, `^`, `{`, `[`...) is escaped.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
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


def _ascii_name(host: str) -> str:
    name = host.removesuffix(".")
    if not name or ".." in name or name.startswith("."):
        raise BadTarget(f"host {host!r} has an empty label")
    if len(name) > 253 or not all(_LDH_LABEL.match(label) for label in name.split(".")):
        raise BadTarget(f"host {host!r} is not a valid domain name")
    return name


def _host(url: WebUrl) -> tuple[str, IPAddress | None]:
    if url.host_kind is HostKind.IPV4:
        address4 = ipaddress.IPv4Address(url.host)
        return str(address4), address4
    if url.host_kind is HostKind.IPV6:
        address6 = ipaddress.IPv6Address(url.host)  # the WHATWG parser refuses zone indexes
        return str(address6), address6
    if url.host_kind is HostKind.DOMAIN:
        return _ascii_name(url.host), None
    raise BadTarget(f"{url.url[:80]!r} has no host")


def parse_target(text: str) -> Target:
    """Parse an absolute http(s) URL. Raises BadTarget saying what is wrong with it."""
    raw = text.strip()
    if not raw:
        raise BadTarget("the URL is empty")
    if len(raw) > MAX_URL_LENGTH:
        raise BadTarget(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        url = parse_url(raw)
    except InvalidUrl as exc:
        raise BadTarget(exc.message) from None
    if url.scheme not in DEFAULT_PORTS:
        raise BadTarget(f"scheme {url.scheme!r} is not http or https")
    host, address = _host(url)
    port = url.port if url.port is not None else DEFAULT_PORTS[url.scheme]
    if port == 0:
        raise BadTarget("port 0 is not a port a server listens on")
    shown = f"[{host}]" if address is not None and address.version == 6 else host
    netloc = shown if port == DEFAULT_PORTS[url.scheme] else f"{shown}:{port}"
    path = quote(url.path or "/", safe=_PATH_SAFE)
    query = f"?{quote(url.query, safe=_QUERY_SAFE)}" if url.query else ""
    return Target(url=f"{url.scheme}://{netloc}{path}{query}", scheme=url.scheme, host=host, port=port, address=address)


def resolve_location(base: str, location: str) -> str:
    """The absolute URL a Location header points to, relative to the URL that sent it, as a browser follows it.

    Raises BadTarget when no browser could follow it."""
    try:
        return resolve_reference(base, location).url
    except InvalidUrl as exc:
        raise BadTarget(exc.message) from None
