"""The profiles file: the shipped one parses, overrides inherit the default profile, mistakes are named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from antifraud.adapters.cdr_config import DEFAULT_PROFILES, load_official_numbers, load_profile
from antifraud.calls.profiles import Levels, Profile, parse_profiles
from antifraud.domain.errors import ConfigError


def test_the_shipped_default_profile_writes_out_the_code_defaults_and_adds_high_cost_prefixes():
    profiles = parse_profiles(tomllib.loads(DEFAULT_PROFILES.read_text()))
    default = profiles["default"]
    code = Profile()
    assert default.velocity == code.velocity
    assert default.wangiri == code.wangiri
    assert default.simbox == code.simbox
    assert default.spoofed_cli == code.spoofed_cli
    assert default.irsf.calls == code.irsf.calls
    assert "+882" in default.irsf.high_cost_prefixes


def test_a_profile_overrides_what_it_names_and_keeps_the_default_profile_for_the_rest():
    strict = load_profile(None, "strict")
    default = load_profile(None, "default")
    assert strict.name == "strict"
    assert strict.velocity.calls_per_minute == Levels(15, 30)
    assert strict.velocity.sequential_callees == default.velocity.sequential_callees
    assert strict.irsf.high_cost_prefixes == default.irsf.high_cost_prefixes


def test_an_unknown_profile_names_the_ones_there_are():
    with pytest.raises(ConfigError, match="has no profile 'lenient'; it has default, strict"):
        load_profile(None, "lenient")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected \\[profile.NAME\\] tables"),
        ("[other]\nx = 1\n[profile.default]\n", "unknown tables other"),
        ("[profile.default.velocity]\ncpm = 3\n", "unknown keys: cpm"),
        ("[profile.default.velocity]\ncalls_per_minute = 3\n", "must be \\{ warning = N, critical = M \\}"),
        ("[profile.default.velocity]\ncalls_per_minute = { warning = 9, critical = 3 }\n", "above critical"),
        ("[profile.default.velocity]\ncalls_per_minute = { warning = 0, critical = 3 }\n", "at least 1"),
        ("[profile.default.wangiri]\nwindow_s = -1\n", "whole number"),
        ("[profile.default.simbox]\nmin_distinct_share = 2\n", "share from 0 to 1"),
        ('[profile.default.simbox]\nhome_country_code = "7"\n', "country code"),
        ('[profile.default.irsf]\nhigh_cost_prefixes = ["882"]\n', "not E.164 prefixes"),
        ('[profile.default.irsf]\nnumber_types = ["premium"]\n', "unknown number types"),
        ("[profile.default]\nmax_tracked_numbers = 5\n", "max_tracked_numbers"),
        ("[profile.default]\nspeed = 1\n", "unknown keys: speed"),
        ("[profile]\ndefault = 3\n", "is not a table"),
    ],
)
def test_a_mistake_in_the_profiles_file_says_where_and_what(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_profiles(tomllib.loads(text))


def test_a_missing_or_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_profile(tmp_path / "nope.toml", "default")
    broken = tmp_path / "broken.toml"
    broken.write_text("[profile.default\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile(Path(broken), "default")


def test_official_numbers_come_from_the_brands_file_normalized(tmp_path, repo_root):
    numbers = load_official_numbers(repo_root / "config" / "brands.toml")
    assert {"+77272585965", "9999"} <= numbers
    bad = tmp_path / "brands.toml"
    bad.write_text('[[brand]]\nname = "X"\nphones = ["not a number"]\n')
    with pytest.raises(ConfigError, match="phone 'not a number'"):
        load_official_numbers(bad)
