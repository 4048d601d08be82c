"""Typed settings: the TOML file, then the contract's environment overrides, validated once at start.

Secrets never live here: API keys are created with `antifraud keys create` and stored hashed.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category

PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_CONFIG_DIR = PACKAGE_ROOT.parent / "config"
DEFAULT_CONFIG = DEFAULT_CONFIG_DIR / "antifraud.toml"


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """When the center lists by itself, and for how long."""

    auto_list_distinct_operators: int = 3  # reports from this many operators within the window list an indicator
    report_window_hours: float = 72.0
    default_expiry_days: float = 180.0
    expiry_days: Mapping[str, float] = field(default_factory=dict)  # per category
    expiry_check_seconds: float = 60.0

    def expiry_for(self, category: Category) -> float:
        return float(self.expiry_days.get(category.value, self.default_expiry_days))


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    block: int = 80
    review: int = 40


@dataclass(frozen=True, slots=True)
class PublicationSettings:
    debounce_seconds: float = 0.5  # quiet time after a change before publishing
    max_delay_seconds: float = 1.0  # publish at the latest this long after the first pending change
    max_change_share: float = 0.25  # a version changing more than this share of a list is held for an analyst
    guard_min_entries: int = 100  # below this size the guard does not apply
    guard_window_seconds: float = 3600.0  # changes since the last approved state or this long ago add up
    rpz_ttl: int = 300
    fsync: bool = True  # a version's index and directory are durable before it is served (lists: checked at start)


@dataclass(frozen=True, slots=True)
class ApiSettings:
    max_body_bytes: int = 2 * 1024 * 1024
    max_batch: int = 1000
    rate_per_second: float = 100.0  # per key, sustained
    rate_burst: int = 2000  # per key, bucket size: a batch of 1000 reports costs 1 request
    metrics_public: bool = False  # /metrics requires the `metrics` or `admin` scope unless true


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    """The center's own probes. They run only where name servers are configured (ANTIFRAUD_NAMESERVERS
    or [dns] nameservers): the system resolver may be the internet, which no default path reaches."""

    dns: bool = True  # probe every new domain
    recheck_hours: float = 24.0  # re-probe listed domains this often (liveness)
    dead_after_days: float = 14.0  # a listed site dead this long leaves the list


@dataclass(frozen=True, slots=True)
class JobSettings:
    concurrency: int = 16
    per_domain: int = 2
    lease_seconds: float = 60.0
    max_attempts: int = 5


@dataclass(frozen=True, slots=True)
class DnsZoneSettings:
    """One RPZ zone of the zone server: the whole domains list, or some categories or origins of it."""

    name: str = "rpz.antifraud."
    categories: tuple[str, ...] = ()  # empty: every category
    origins: tuple[str, ...] = ()  # "auto", "analyst"; empty: both
    walled_garden: str = ""  # a host name (`warning.example.`) to send users to instead of NXDOMAIN


@dataclass(frozen=True, slots=True)
class DnsConsumerSettings:
    """A secondary allowed to transfer: from these networks, signing with one of these TSIG keys."""

    name: str
    networks: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DnsServerSettings:
    """The authoritative server for the RPZ zones ([dns_server], ANTIFRAUD_DNS_LISTEN, ANTIFRAUD_DNS_NOTIFY).

    TSIG secrets never sit in the TOML: they come from `tsig_key_file` (BIND's `key` syntax, as
    `tsig-keygen` writes it) or ANTIFRAUD_DNS_TSIG_KEYS (`name:base64,...`, hmac-sha256)."""

    listen: tuple[str, int] | None = None  # None: no zone server
    notify: tuple[tuple[str, int], ...] = ()
    zones: tuple[DnsZoneSettings, ...] = (DnsZoneSettings(),)
    ttl: int = 300
    refresh: int = 3600  # a safety net: NOTIFY is what moves secondaries
    retry: int = 60
    expire: int = 604800
    primary: str = "ns.antifraud."
    contact: str = "hostmaster.antifraud."
    allow_loopback: bool = True
    consumers: tuple[DnsConsumerSettings, ...] = ()
    tsig_keys: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)  # name -> (algorithm, secret)
    journal_versions: int = 1000


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The analysts' console at /console/ (antifraud.console)."""

    idle_minutes: float = 30.0  # a session unused this long ends
    session_hours: float = 12.0  # and every session ends this long after the login, used or not
    login_failures: int = 5  # failed logins per user name (and 4x per client address) within the window
    login_window_minutes: float = 15.0
    secure_cookies: str = "auto"  # auto: Secure when the request came over TLS (directly or from a trusted proxy)
    trusted_proxies: str = ""  # comma-separated CIDRs whose X-Forwarded-Proto and X-Forwarded-For are believed
    review_working_days: int = 2  # reports must be checked within this many working days (Mon-Fri)
    timezone: str = "Asia/Almaty"  # where the working days are counted


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = "var/antifraud.sqlite3"
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    blocklist_dir: Path = Path("var/blocklists")
    brands_file: Path = DEFAULT_CONFIG_DIR / "brands.toml"
    lexicon_file: Path = DEFAULT_CONFIG_DIR / "lexicon.toml"
    nameservers: tuple[str, ...] = ()
    crawl_allow_networks: tuple[str, ...] = ()
    default_phone_region: str = "KZ"
    log_level: str = "INFO"
    policy: PolicySettings = field(default_factory=PolicySettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    publication: PublicationSettings = field(default_factory=PublicationSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    probes: ProbeSettings = field(default_factory=ProbeSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    dns_lexicon_file: Path = DEFAULT_CONFIG_DIR / "dns_lexicon.toml"
    feeds: tuple[Mapping[str, Any], ...] = ()  # [[feed]] tables, validated by antifraud.feeds
    sync_seconds: float = 0.25  # how often other processes' changes are read from the change feed
    retention_days: float = 30.0  # change-feed entries and idempotency keys older than this are deleted
    dns_server: DnsServerSettings = field(default_factory=DnsServerSettings)
    signing_key: Path | None = None  # Ed25519 private key (PEM) that signs published lists; a path, never the key

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))


def _section(cls: type[Any], data: Mapping[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"[{where}] has unknown settings: {', '.join(sorted(unknown))}")
    defaults = cls()
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int | float):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            if ok and isinstance(default, int) and not isinstance(value, int):
                ok = False
        elif isinstance(default, Mapping):
            ok = isinstance(value, Mapping)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ConfigError(f"[{where}] {f.name} = {value!r} is not valid (expected like {default!r})")
        values[f.name] = value
    return replace(defaults, **values)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"listen address {text!r} must be host:port, e.g. 127.0.0.1:8080")
    return host.strip("[]") or "127.0.0.1", int(port)


def _parse_networks(text: str, name: str) -> tuple[str, ...]:
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError as exc:
            raise ConfigError(f"{name}: {part!r} is not a CIDR network: {exc}") from exc
    return tuple(networks)


def _parse_nameservers(text: str, name: str) -> tuple[str, ...]:
    servers = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        host = part
        if part.count(":") == 1:
            host, port = part.split(":")
            if not port.isdigit():
                raise ConfigError(f"{name}: {part!r} has an invalid port")
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError as exc:
            raise ConfigError(f"{name}: {part!r} is not ip[:port]") from exc
        servers.append(part)
    return tuple(servers)


def _storage(storage: Mapping[str, Any]) -> Mapping[str, Any]:
    unknown = set(storage) - {"db", "sync_seconds", "retention_days"}
    if unknown:
        raise ConfigError(f"[storage] has unknown settings: {', '.join(sorted(unknown))}")
    for name in ("sync_seconds", "retention_days"):
        value = storage.get(name, 1)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"[storage] {name} = {value!r} must be a positive number of seconds or days")
    return storage


def load_settings(  # noqa: C901 - one step per source of settings, in order of precedence
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the TOML file (default config/antifraud.toml) and apply the ANTIFRAUD_* overrides."""
    env = os.environ if environ is None else environ
    config_path = path or DEFAULT_CONFIG
    data: dict[str, Any] = {}
    if path is not None or config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {config_path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {config_path} is not valid TOML: {exc}") from exc
    base_dir = config_path.parent.parent if config_path.parent.name == "config" else config_path.parent

    def rel(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else base_dir / p

    def db_location(value: str) -> str:
        # a DSN is not a path: leave it as written
        return value if value.startswith(("postgresql://", "postgres://")) else str(rel(value))

    sections = {
        "policy": PolicySettings,
        "scoring": ScoringSettings,
        "publication": PublicationSettings,
        "api": ApiSettings,
    }
    other = {
        "server",
        "storage",
        "paths",
        "crawler",
        "dns",
        "logging",
        "probes",
        "jobs",
        "feed",
        "dns_server",
        "console",
    }
    unknown = set(data) - set(sections) - other
    if unknown:
        raise ConfigError(f"{config_path}: unknown sections: {', '.join(sorted(unknown))}")
    server = data.get("server", {})
    paths = data.get("paths", {})
    defaults = Settings()
    storage = _storage(data.get("storage", {}))
    settings = Settings(
        db=db_location(str(storage.get("db", defaults.db))),
        sync_seconds=float(storage.get("sync_seconds", defaults.sync_seconds)),
        retention_days=float(storage.get("retention_days", defaults.retention_days)),
        blocklist_dir=rel(paths.get("blocklist_dir", str(defaults.blocklist_dir))),
        brands_file=rel(paths["brands"]) if "brands" in paths else defaults.brands_file,
        lexicon_file=rel(paths["lexicon"]) if "lexicon" in paths else defaults.lexicon_file,
        log_level=str(data.get("logging", {}).get("level", "INFO")).upper(),
        policy=_section(PolicySettings, data.get("policy", {}), "policy"),
        scoring=_section(ScoringSettings, data.get("scoring", {}), "scoring"),
        publication=_section(PublicationSettings, data.get("publication", {}), "publication"),
        api=_section(ApiSettings, data.get("api", {}), "api"),
        probes=_section(ProbeSettings, data.get("probes", {}), "probes"),
        jobs=_section(JobSettings, data.get("jobs", {}), "jobs"),
        console=_section(ConsoleSettings, data.get("console", {}), "console"),
        dns_lexicon_file=rel(paths["dns_lexicon"]) if "dns_lexicon" in paths else defaults.dns_lexicon_file,
        feeds=tuple(data.get("feed", [])),
    )
    if "listen" in server:
        host, port = parse_listen(str(server["listen"]))
        settings = replace(settings, listen_host=host, listen_port=port)
    if "nameservers" in data.get("dns", {}):
        settings = replace(settings, nameservers=_parse_nameservers(",".join(data["dns"]["nameservers"]), "[dns]"))
    if "allow_networks" in data.get("crawler", {}):
        joined = ",".join(data["crawler"]["allow_networks"])
        settings = replace(settings, crawl_allow_networks=_parse_networks(joined, "[crawler]"))

    if db := env.get("ANTIFRAUD_DB"):
        settings = replace(settings, db=db)
    if listen := env.get("ANTIFRAUD_LISTEN"):
        host, port = parse_listen(listen)
        settings = replace(settings, listen_host=host, listen_port=port)
    if out := env.get("ANTIFRAUD_BLOCKLIST_DIR"):
        settings = replace(settings, blocklist_dir=Path(out))
    if brands := env.get("ANTIFRAUD_BRANDS"):
        settings = replace(settings, brands_file=Path(brands))
    if "ANTIFRAUD_NAMESERVERS" in env:
        settings = replace(
            settings, nameservers=_parse_nameservers(env["ANTIFRAUD_NAMESERVERS"], "ANTIFRAUD_NAMESERVERS")
        )
    if "ANTIFRAUD_CRAWL_ALLOW_NETWORKS" in env:
        nets = _parse_networks(env["ANTIFRAUD_CRAWL_ALLOW_NETWORKS"], "ANTIFRAUD_CRAWL_ALLOW_NETWORKS")
        settings = replace(settings, crawl_allow_networks=nets)
    settings = replace(settings, dns_server=_dns_server(data.get("dns_server", {}), env, rel))
    if signing_key := env.get("ANTIFRAUD_SIGNING_KEY") or paths.get("signing_key"):
        settings = replace(settings, signing_key=rel(str(signing_key)))
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    if s.scoring.review > s.scoring.block:
        raise ConfigError(f"[scoring] review ({s.scoring.review}) must not exceed block ({s.scoring.block})")
    if not 0 < s.publication.max_change_share <= 1:
        raise ConfigError("[publication] max_change_share must be in (0, 1]")
    if s.policy.auto_list_distinct_operators < 1:
        raise ConfigError("[policy] auto_list_distinct_operators must be at least 1")
    for name in s.policy.expiry_days:
        if name not in {c.value for c in Category}:
            raise ConfigError(f"[policy.expiry_days] {name!r} is not a category")
    if s.console.secure_cookies not in {"auto", "always", "never"}:
        raise ConfigError("[console] secure_cookies must be auto, always or never")
    if s.api.max_batch < 1 or s.api.max_batch > 10_000:
        raise ConfigError("[api] max_batch must be between 1 and 10000")


# [dns_server] ------------------------------------------------------------------------------------
_BIND_KEY = re.compile(
    r'key\s+"?(?P<name>[A-Za-z0-9._-]+)"?\s*\{\s*algorithm\s+"?(?P<algorithm>[a-z0-9-]+)"?\s*;'
    r'\s*secret\s+"(?P<secret>[A-Za-z0-9+/=]+)"\s*;\s*\}\s*;'
)
_DNS_NAME = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+")
_DNS_KEYS = {
    "listen", "notify", "zone", "ttl", "refresh", "retry", "expire", "primary", "contact", "allow_loopback",
    "consumer", "tsig_key_file", "journal_versions", "walled_garden",
}  # fmt: skip


def _absolute(value: object, where: str) -> str:
    if not isinstance(value, str) or not _DNS_NAME.fullmatch(value) or len(value) > 254:
        raise ConfigError(f"{where} = {value!r} must be an absolute domain name ending in '.'")
    return value.lower()


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _endpoints(parts: tuple[str, ...], where: str) -> tuple[tuple[str, int], ...]:
    result = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        host, port = parse_listen(part)
        try:
            ipaddress.ip_address(host)
        except ValueError as exc:
            raise ConfigError(f"{where}: {part!r} is not ip:port") from exc
        result.append((host, port))
    return tuple(result)


def read_tsig_keys(text: str, where: str) -> dict[str, tuple[str, str]]:
    """TSIG keys in BIND's syntax (`key "name" { algorithm hmac-sha256; secret "..."; };`), by name."""
    keys = {}
    for match in _BIND_KEY.finditer(text):
        keys[match["name"].rstrip(".").lower()] = (match["algorithm"], match["secret"])
    if text.strip() and not keys:
        raise ConfigError(f'{where} holds no key in BIND\'s syntax (key "name" {{ algorithm ...; secret "..."; }};)')
    return keys


def _dns_zone(table: object, default_garden: str, i: int) -> DnsZoneSettings:
    where = f"[[dns_server.zone]] #{i + 1}"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    unknown = set(table) - {"name", "categories", "origins", "walled_garden"}
    if unknown:
        raise ConfigError(f"{where} has unknown settings: {', '.join(sorted(unknown))}")
    categories = _strings(table.get("categories", []), f"{where} categories")
    for c in categories:
        if c not in {x.value for x in Category}:
            raise ConfigError(f"{where} categories: {c!r} is not a category")
    origins = _strings(table.get("origins", []), f"{where} origins")
    for o in origins:
        if o not in {"auto", "analyst"}:
            raise ConfigError(f"{where} origins: {o!r} is not auto or analyst")
    garden = table.get("walled_garden", default_garden)
    return DnsZoneSettings(
        _absolute(table.get("name", "rpz.antifraud."), f"{where} name"),
        categories,
        origins,
        _absolute(garden, f"{where} walled_garden") if garden else "",
    )


def _dns_server(  # noqa: C901, PLR0912, PLR0915 - one check per setting, in the order of the section
    data: Mapping[str, Any], env: Mapping[str, str], rel: Any
) -> DnsServerSettings:
    unknown = set(data) - _DNS_KEYS
    if unknown:
        raise ConfigError(f"[dns_server] has unknown settings: {', '.join(sorted(unknown))}")
    d = DnsServerSettings()
    numbers = {}
    for name in ("ttl", "refresh", "retry", "expire", "journal_versions"):
        value = data.get(name, getattr(d, name))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
            raise ConfigError(f"[dns_server] {name} = {value!r} must be a whole number of seconds (0..2147483647)")
        numbers[name] = value
    if numbers["journal_versions"] < 1:
        raise ConfigError("[dns_server] journal_versions must be at least 1")
    listen_text = env.get("ANTIFRAUD_DNS_LISTEN") or data.get("listen")
    listen = None
    if listen_text:
        listen = parse_listen(str(listen_text))
    notify = _endpoints(_strings(data.get("notify", []), "[dns_server] notify"), "[dns_server] notify")
    if env.get("ANTIFRAUD_DNS_NOTIFY"):
        notify += _endpoints(tuple(env["ANTIFRAUD_DNS_NOTIFY"].split(",")), "ANTIFRAUD_DNS_NOTIFY")
    default_garden = data.get("walled_garden", "")
    zones_data = data.get("zone", [{}])
    if not isinstance(zones_data, list) or not zones_data:
        raise ConfigError("[[dns_server.zone]] must be one or more tables")
    zones = tuple(_dns_zone(t, default_garden, i) for i, t in enumerate(zones_data))
    if len({z.name for z in zones}) != len(zones):
        raise ConfigError("[[dns_server.zone]]: two zones have the same name")
    keys: dict[str, tuple[str, str]] = {}
    if "tsig_key_file" in data:
        path = rel(str(data["tsig_key_file"]))
        try:
            keys.update(read_tsig_keys(path.read_text(encoding="utf-8"), str(path)))
        except OSError as exc:
            raise ConfigError(f"[dns_server] tsig_key_file {path}: {exc.strerror}") from exc
    for part in (p.strip() for p in env.get("ANTIFRAUD_DNS_TSIG_KEYS", "").split(",")):
        if not part:
            continue
        name, sep, secret = part.partition(":")
        if not sep or not name or not secret:
            raise ConfigError("ANTIFRAUD_DNS_TSIG_KEYS must be name:base64secret[,name:base64secret...]")
        keys[name.rstrip(".").lower()] = ("hmac-sha256", secret)
    consumers = []
    for i, table in enumerate(data.get("consumer", [])):
        where = f"[[dns_server.consumer]] #{i + 1}"
        if not isinstance(table, Mapping) or not isinstance(table.get("name"), str):
            raise ConfigError(f"{where} must be a table with a name")
        extra = set(table) - {"name", "networks", "keys"}
        if extra:
            raise ConfigError(f"{where} has unknown settings: {', '.join(sorted(extra))}")
        networks = _parse_networks(",".join(_strings(table.get("networks", []), f"{where} networks")), where)
        names = tuple(k.rstrip(".").lower() for k in _strings(table.get("keys", []), f"{where} keys"))
        missing = [k for k in names if k not in keys]
        if missing:
            raise ConfigError(
                f"{where} ({table['name']}) uses TSIG keys with no secret: {', '.join(missing)} "
                "(put them in tsig_key_file or ANTIFRAUD_DNS_TSIG_KEYS)"
            )
        if not networks and not names:
            raise ConfigError(f"{where} ({table['name']}) needs networks, keys or both")
        consumers.append(DnsConsumerSettings(table["name"], networks, names))
    for name, (algorithm, secret) in keys.items():
        if algorithm not in {"hmac-sha256", "hmac-sha384", "hmac-sha512"}:
            raise ConfigError(f"TSIG key {name}: algorithm {algorithm} is not hmac-sha256, hmac-sha384 or hmac-sha512")
        try:
            raw = base64.b64decode(secret, validate=True)
        except ValueError as exc:
            raise ConfigError(f"TSIG key {name}: the secret is not base64") from exc
        if len(raw) < 16:
            raise ConfigError(f"TSIG key {name}: the secret has {len(raw)} bytes; use at least 16")
    allow_loopback = data.get("allow_loopback", True)
    if not isinstance(allow_loopback, bool):
        raise ConfigError("[dns_server] allow_loopback must be true or false")
    return DnsServerSettings(
        listen=listen,
        notify=notify,
        zones=zones,
        primary=_absolute(data.get("primary", d.primary), "[dns_server] primary"),
        contact=_absolute(data.get("contact", d.contact), "[dns_server] contact"),
        allow_loopback=allow_loopback,
        consumers=tuple(consumers),
        tsig_keys=keys,
        **numbers,
    )
