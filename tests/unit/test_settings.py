"""Settings: the TOML file, the contract's environment overrides, validation with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category
from antifraud.settings import load_settings


def test_bundled_defaults_load(repo_root):
    s = load_settings(repo_root / "config" / "antifraud.toml", environ={})
    assert s.db.endswith("var/antifraud.sqlite3")
    assert (s.listen_host, s.listen_port) == ("127.0.0.1", 8080)
    assert s.scoring.block > s.scoring.review
    assert s.policy.expiry_for(Category.WANGIRI) == 30


def test_environment_overrides_every_contract_setting(repo_root, tmp_path):
    env = {
        "ANTIFRAUD_DB": str(tmp_path / "x.sqlite3"),
        "ANTIFRAUD_LISTEN": "127.0.0.1:18080",
        "ANTIFRAUD_BLOCKLIST_DIR": str(tmp_path / "lists"),
        "ANTIFRAUD_BRANDS": str(tmp_path / "brands.toml"),
        "ANTIFRAUD_NAMESERVERS": "127.0.0.1:5353, 10.0.0.53",
        "ANTIFRAUD_CRAWL_ALLOW_NETWORKS": "127.0.0.0/8,::1/128",
    }
    s = load_settings(repo_root / "config" / "antifraud.toml", environ=env)
    assert s.db == env["ANTIFRAUD_DB"]
    assert (s.listen_host, s.listen_port) == ("127.0.0.1", 18080)
    assert s.blocklist_dir == Path(env["ANTIFRAUD_BLOCKLIST_DIR"])
    assert s.brands_file == Path(env["ANTIFRAUD_BRANDS"])
    assert s.nameservers == ("127.0.0.1:5353", "10.0.0.53")
    assert s.crawl_allow_networks == ("127.0.0.0/8", "::1/128")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ANTIFRAUD_LISTEN": "8080"}, "host:port"),
        ({"ANTIFRAUD_LISTEN": "localhost:http"}, "host:port"),
        ({"ANTIFRAUD_NAMESERVERS": "dns.example"}, "ip\\[:port\\]"),
        ({"ANTIFRAUD_CRAWL_ALLOW_NETWORKS": "127.0.0.0/33"}, "CIDR"),
    ],
)
def test_bad_overrides_are_refused_with_the_reason(repo_root, env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(repo_root / "config" / "antifraud.toml", environ=env)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[scoring]\nblock = 30\nreview = 60\n", "must not exceed"),
        ("[scoring]\nblok = 30\n", "unknown settings: blok"),
        ("[policy]\nauto_list_distinct_operators = 'three'\n", "not valid"),
        ("[policy.expiry_days]\nphishin = 3\n", "not a category"),
        ("[nonsense]\n", "unknown sections"),
        ("not toml = = 1", "not valid TOML"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path, toml, message):
    path = tmp_path / "antifraud.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_a_dsn_in_the_file_stays_a_dsn(tmp_path):
    path = tmp_path / "antifraud.toml"
    path.write_text('[storage]\ndb = "postgresql://center@db.internal/antifraud"\n')
    settings = load_settings(path, environ={})
    assert settings.db == "postgresql://center@db.internal/antifraud"
    assert settings.is_postgres
