"""[dns_server]: the zone server's settings, its environment overrides, and clear refusals."""

from __future__ import annotations

import pytest

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category, DecisionOrigin
from antifraud.settings import load_settings
from workers.zone_settings import server_config

SECRET = "3Kq0o0mT1uC4cbqXWl2Z1yBDhk0vNgYhYk1CcJ7uQ5M="
NEW_SECRET = "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="


def load(tmp_path, toml: str, env: dict[str, str] | None = None):
    path = tmp_path / "antifraud.toml"
    path.write_text(toml)
    return load_settings(path, environ=env or {})


def test_no_listen_address_means_no_zone_server(repo_root):
    s = load_settings(repo_root / "config" / "antifraud.toml", environ={})
    assert s.dns_server.listen is None
    assert [z.name for z in s.dns_server.zones] == ["rpz.antifraud."]


def test_the_contract_variables_set_the_listen_address_and_add_notify_targets(tmp_path):
    s = load(
        tmp_path,
        '[dns_server]\nlisten = "127.0.0.1:5300"\nnotify = ["10.0.0.53:53"]\n',
        {"ANTIFRAUD_DNS_LISTEN": "127.0.0.1:0", "ANTIFRAUD_DNS_NOTIFY": "10.0.1.53:53, 127.0.0.1:5353"},
    )
    assert s.dns_server.listen == ("127.0.0.1", 0)
    assert s.dns_server.notify == (("10.0.0.53", 53), ("10.0.1.53", 53), ("127.0.0.1", 5353))


def test_a_full_section_becomes_the_zone_servers_config(tmp_path):
    keyfile = tmp_path / "tsig.keys"
    keyfile.write_text(f'key "kt-2026" {{\n\talgorithm hmac-sha256;\n\tsecret "{SECRET}";\n}};\n')
    s = load(
        tmp_path,
        f"""
[dns_server]
refresh = 86400
retry = 300
walled_garden = "warning.antifraud.kz."
tsig_key_file = "{keyfile}"
allow_loopback = false

[[dns_server.zone]]
name = "rpz.antifraud."

[[dns_server.zone]]
name = "confirmed.rpz.antifraud."
origins = ["analyst"]
walled_garden = ""

[[dns_server.zone]]
name = "phishing.rpz.antifraud."
categories = ["phishing", "bank_impersonation"]

[[dns_server.consumer]]
name = "Kazakhtelecom"
networks = ["10.1.0.0/16"]
keys = ["kt-2026", "kt-2027"]
""",
        {"ANTIFRAUD_DNS_TSIG_KEYS": f"kt-2027:{NEW_SECRET}"},
    )
    config = server_config(s.dns_server)
    all_, confirmed, phishing = config.zones
    assert all_.walled_garden == "warning.antifraud.kz."
    assert all_.categories is None
    assert confirmed.origins == frozenset({DecisionOrigin.ANALYST})
    assert confirmed.walled_garden is None
    assert phishing.categories == frozenset({Category.PHISHING, Category.BANK_IMPERSONATION})
    assert config.timers.refresh == 86400
    assert set(config.access.keyring) == {"kt-2026.", "kt-2027."}
    assert config.access.allows("10.1.2.3", "kt-2027.")
    assert not config.access.allows("10.1.2.3", None)
    assert not config.access.allows("127.0.0.1", None)
    assert SECRET not in repr(s)
    assert NEW_SECRET not in repr(s)


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ("[dns_server]\nlisten = 'nope'\n", {}, "host:port"),
        ("[dns_server]\n", {"ANTIFRAUD_DNS_NOTIFY": "ns.example:53"}, "ip:port"),
        ("[dns_server]\nrefresh = -1\n", {}, "refresh"),
        ("[dns_server]\nrefres = 1\n", {}, "unknown settings: refres"),
        ("[[dns_server.zone]]\nname = 'rpz.antifraud'\n", {}, "absolute"),
        ("[[dns_server.zone]]\ncategories = ['phish']\n", {}, "not a category"),
        ("[[dns_server.zone]]\norigins = ['robot']\n", {}, "auto or analyst"),
        ("[[dns_server.zone]]\nname = 'a.'\n[[dns_server.zone]]\nname = 'a.'\n", {}, "same name"),
        ("[[dns_server.consumer]]\nname = 'x'\nnetworks = ['10.0.0.0/33']\n", {}, "CIDR"),
        ("[[dns_server.consumer]]\nname = 'x'\nkeys = ['k']\n", {}, "no secret"),
        ("[[dns_server.consumer]]\nname = 'x'\n", {}, "networks, keys or both"),
        ("[dns_server]\n", {"ANTIFRAUD_DNS_TSIG_KEYS": "k"}, "name:base64secret"),
        ("[dns_server]\n", {"ANTIFRAUD_DNS_TSIG_KEYS": "k:c2hvcnQ="}, "at least 16"),
        ("[dns_server]\n", {"ANTIFRAUD_DNS_TSIG_KEYS": "k:***"}, "not base64"),
        ("[dns_server]\ntsig_key_file = '/nonexistent/keys'\n", {}, "tsig_key_file"),
    ],
)
def test_bad_dns_server_settings_are_refused_with_the_reason(tmp_path, toml, env, message):
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, toml, env)


def test_a_key_file_without_keys_is_refused(tmp_path):
    keyfile = tmp_path / "tsig.keys"
    keyfile.write_text("secret = nothing here\n")
    with pytest.raises(ConfigError, match="BIND's syntax"):
        load(tmp_path, f"[dns_server]\ntsig_key_file = '{keyfile}'\n")


def test_the_signing_key_path_comes_from_paths_or_the_environment(tmp_path):
    assert load(tmp_path, "").signing_key is None
    assert load(tmp_path, "[paths]\nsigning_key = '/etc/antifraud/signing.pem'\n").signing_key is not None
    env = {"ANTIFRAUD_SIGNING_KEY": str(tmp_path / "k.pem")}
    assert load(tmp_path, "", env).signing_key == tmp_path / "k.pem"
