"""Reads the call-record profiles file (TOML): the I/O edge of antifraud.calls.profiles."""

from __future__ import annotations

from pathlib import Path

from antifraud.adapters.detection_config import read_toml
from antifraud.calls.profiles import Profile, parse_profiles
from antifraud.domain.errors import ConfigError

DEFAULT_PROFILES = Path(__file__).resolve().parents[2] / "config" / "cdr_profiles.toml"


def load_profile(path: Path | None, name: str) -> Profile:
    """The profile `name` of the file at `path` (default config/cdr_profiles.toml)."""
    source = Path(path) if path is not None else DEFAULT_PROFILES
    profiles = parse_profiles(read_toml(source, "profiles file"), source=str(source))
    if name not in profiles:
        raise ConfigError(f"{source} has no profile {name!r}; it has {', '.join(sorted(profiles))}")
    return profiles[name]
