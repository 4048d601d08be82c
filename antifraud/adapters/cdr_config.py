"""What `cdr analyze` reads besides the records: its profiles (TOML) and the official numbers of the
brands file. The I/O edge of antifraud.calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from antifraud.adapters.detection_config import read_toml
from antifraud.calls.profiles import Profile, parse_profiles
from antifraud.domain.errors import ConfigError, InvalidIndicator
from antifraud.domain.normalize import normalize_phone

DEFAULT_PROFILES = Path(__file__).resolve().parents[2] / "config" / "cdr_profiles.toml"


def load_profile(path: Path | None, name: str) -> Profile:
    """The profile `name` of the file at `path` (default config/cdr_profiles.toml)."""
    source = Path(path) if path is not None else DEFAULT_PROFILES
    profiles = parse_profiles(read_toml(source, "profiles file"), source=str(source))
    if name not in profiles:
        raise ConfigError(f"{source} has no profile {name!r}; it has {', '.join(sorted(profiles))}")
    return profiles[name]


def load_official_numbers(path: Path) -> frozenset[str]:
    """The `phones` of every `[[brand]]` of a brands file, normalized. Only the numbers are read (the
    domains need the public suffix list, which a call record analysis has no use for)."""
    data = read_toml(Path(path), "brands file")
    brands = data.get("brand", [])
    if not isinstance(brands, list):
        raise ConfigError(f"{path}: expected [[brand]] tables")
    numbers: set[str] = set()
    for index, brand in enumerate(brands, start=1):
        for text in _phones(brand, f"{path}: brand #{index}"):
            try:
                numbers.add(normalize_phone(text).e164)
            except InvalidIndicator as exc:
                raise ConfigError(f"{path}: brand #{index}: phone {text!r}: {exc.message}") from exc
    return frozenset(numbers)


def _phones(brand: Any, where: str) -> list[str]:
    if not isinstance(brand, Mapping):
        raise ConfigError(f"{where} is not a table")
    phones = brand.get("phones", [])
    if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones):
        raise ConfigError(f"{where}: 'phones' must be a list of strings")
    return phones
