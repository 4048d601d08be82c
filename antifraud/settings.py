"""Typed settings: the TOML file, then the contract's environment overrides, validated once at start.

Secrets never live here: API keys are created with `antifraud keys create` and stored hashed.
"""

from __future__ import annotations

import ipaddress
import os
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
    fsync: bool = True  # make each version durable before it is served (off only for benchmarks and tests)


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
    other = {"server", "storage", "paths", "crawler", "dns", "logging", "probes", "jobs", "feed", "console"}
    unknown = set(data) - set(sections) - other
    if unknown:
        raise ConfigError(f"{config_path}: unknown sections: {', '.join(sorted(unknown))}")
    server = data.get("server", {})
    paths = data.get("paths", {})
    defaults = Settings()
    storage = data.get("storage", {})
    unknown_storage = set(storage) - {"db", "sync_seconds", "retention_days"}
    if unknown_storage:
        raise ConfigError(f"[storage] has unknown settings: {', '.join(sorted(unknown_storage))}")
    for name in ("sync_seconds", "retention_days"):
        value = storage.get(name, 1)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"[storage] {name} = {value!r} must be a positive number of seconds or days")
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
