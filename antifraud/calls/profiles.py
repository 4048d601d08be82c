"""Thresholds of the call-record patterns, as warning/critical profiles (config/cdr_profiles.toml).

In the spirit of OpenSIPS `fraud_detection`: every rule has a warning and a critical level, and a
profile (chosen with `--profile`) is a complete set of rules. `[profile.default]` overrides the
defaults below; every other profile overrides only what it names and keeps the rest of the default
profile. Parsed from the file's data and validated once.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from antifraud.domain.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Levels:
    """A rule's two thresholds: a finding at `warning`, another at `critical`."""

    warning: int
    critical: int

    def level(self, value: int) -> str | None:
        if value >= self.critical:
            return "critical"
        return "warning" if value >= self.warning else None


@dataclass(frozen=True, slots=True)
class Velocity:
    calls_per_minute: Levels = Levels(30, 60)
    distinct_callees_per_hour: Levels = Levels(100, 300)
    concurrent_calls: Levels = Levels(10, 30)
    sequential_callees: Levels = Levels(10, 25)  # calls in a row, each to the number after the last one


@dataclass(frozen=True, slots=True)
class Wangiri:
    max_duration_s: int = 5  # an unanswered call that rang at most this long is a one-ring attempt
    window_s: int = 3600
    distinct_callees: Levels = Levels(20, 50)  # one number's attempts reaching this many subscribers
    range_digits: int = 3  # a range is a number without its last digits (3: a block of 1,000)
    range_min_callers: int = 3  # numbers of one block taking part before the block is the finding
    range_distinct_callees: Levels = Levels(30, 100)


@dataclass(frozen=True, slots=True)
class Irsf:
    min_duration_s: int = 300  # a long call
    window_s: int = 3600
    calls: Levels = Levels(3, 10)  # long answered calls to one high-cost number
    minutes: Levels = Levels(60, 240)  # their minutes together
    number_types: tuple[str, ...] = ("premium_rate",)  # phonenumbers types that are high-cost
    high_cost_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpoofedCli:
    window_s: int = 3600
    calls: Levels = Levels(1, 3)  # calls presenting an official number on the international trunk


@dataclass(frozen=True, slots=True)
class Simbox:
    window_s: int = 86400
    min_calls: int = 100  # calls in the window before a number is considered at all
    distinct_callees: Levels = Levels(100, 300)
    min_distinct_share: float = 0.8  # distinct callees / calls: people call the same people again
    home_country_code: str = "+7"
    home_cli_on_international: Levels = Levels(20, 100)  # home numbers arriving from abroad


DEFAULT_TRACKED = 500_000  # numbers held at once; the least recently active go first


@dataclass(frozen=True, slots=True)
class Profile:
    name: str = "default"
    max_tracked_numbers: int = DEFAULT_TRACKED
    velocity: Velocity = field(default_factory=Velocity)
    wangiri: Wangiri = field(default_factory=Wangiri)
    irsf: Irsf = field(default_factory=Irsf)
    spoofed_cli: SpoofedCli = field(default_factory=SpoofedCli)
    simbox: Simbox = field(default_factory=Simbox)

    @property
    def longest_window(self) -> int:
        return max(3600, self.wangiri.window_s, self.irsf.window_s, self.spoofed_cli.window_s, self.simbox.window_s)


_SECTIONS = ("velocity", "wangiri", "irsf", "spoofed_cli", "simbox")
_PREFIX = re.compile(r"\+[1-9][0-9]{0,14}")
_NUMBER_TYPES = frozenset(
    {"premium_rate", "shared_cost", "toll_free", "voip", "personal_number", "pager", "uan", "voicemail", "unknown"}
)


def parse_profiles(data: Mapping[str, Any], source: str = "profiles file") -> dict[str, Profile]:
    """`[profile.NAME]` tables -> profiles, keyed by name. ConfigError says where and what is wrong."""
    tables = data.get("profile", {})
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError(f"{source}: expected [profile.NAME] tables")
    unknown_top = set(data) - {"profile"}
    if unknown_top:
        raise ConfigError(f"{source}: unknown tables {', '.join(sorted(unknown_top))}")
    default = _profile("default", tables.get("default", {}), Profile(), f"{source}: profile 'default'")
    profiles = {"default": default}
    for name, table in tables.items():
        if name != "default":
            profiles[str(name)] = _profile(str(name), table, default, f"{source}: profile {name!r}")
    return profiles


def _profile(name: str, table: Any, base: Profile, where: str) -> Profile:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} is not a table")
    unknown = set(table) - {*_SECTIONS, "max_tracked_numbers"}
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    sections = {key: _section(getattr(base, key), table.get(key, {}), f"{where}.{key}") for key in _SECTIONS}
    tracked = table.get("max_tracked_numbers", base.max_tracked_numbers)
    if not isinstance(tracked, int) or isinstance(tracked, bool) or not 1000 <= tracked <= 50_000_000:
        raise ConfigError(f"{where}: max_tracked_numbers must be a whole number from 1000 to 50000000")
    return Profile(name, tracked, **sections)


def _section(base: Any, table: Any, where: str) -> Any:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} is not a table")
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    unknown = set(table) - set(fields)
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    return dataclasses.replace(base, **{key: _value(table[key], fields[key], f"{where}.{key}") for key in table})


def _value(raw: Any, default: Any, where: str) -> Any:
    if isinstance(default, Levels):
        return _levels(raw, where)
    if isinstance(default, int):
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise ConfigError(f"{where} must be a whole number, not {raw!r}")
        return raw
    if isinstance(default, float):
        if not isinstance(raw, int | float) or isinstance(raw, bool) or not 0 <= raw <= 1:
            raise ConfigError(f"{where} must be a share from 0 to 1, not {raw!r}")
        return float(raw)
    if isinstance(default, str):
        if not isinstance(raw, str) or not _PREFIX.fullmatch(raw):
            raise ConfigError(f'{where} must be a country code such as "+7", not {raw!r}')
        return raw
    if isinstance(default, tuple):
        return _strings(raw, where)
    raise ConfigError(f"{where}: unsupported setting")  # pragma: no cover - every default is one of the above


def _levels(raw: Any, where: str) -> Levels:
    if isinstance(raw, Levels):
        return raw
    if not isinstance(raw, Mapping) or set(raw) != {"warning", "critical"}:
        raise ConfigError(f"{where} must be {{ warning = N, critical = M }}")
    warning, critical = raw["warning"], raw["critical"]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (warning, critical)):
        raise ConfigError(f"{where}: warning and critical must be whole numbers of at least 1")
    if warning > critical:
        raise ConfigError(f"{where}: warning ({warning}) is above critical ({critical})")
    return Levels(warning, critical)


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        raise ConfigError(f"{where} must be a list of strings")
    if where.endswith("number_types"):
        wrong = [v for v in raw if v not in _NUMBER_TYPES]
        if wrong:
            raise ConfigError(f"{where}: unknown number types {wrong}; known: {', '.join(sorted(_NUMBER_TYPES))}")
    else:
        wrong = [v for v in raw if not _PREFIX.fullmatch(v)]
        if wrong:
            raise ConfigError(f'{where}: {wrong[:3]} are not E.164 prefixes such as "+882"')
    return tuple(raw)
