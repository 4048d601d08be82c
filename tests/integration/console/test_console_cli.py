"""`antifraud users add NAME --role analyst|admin` (contract): the one-time password alone on stdout,
messages on stderr; a taken name or a bad role is refused with a clear message; settings are checked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from antifraud.console.security import parse_proxies
from antifraud.domain.errors import ConfigError
from antifraud.settings import load_settings


def users(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTIFRAUD_")}
    env["ANTIFRAUD_DB"] = str(tmp_path / "users.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "antifraud", "users", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_users_add_prints_the_one_time_password_alone(tmp_path):
    made = users(tmp_path, "add", "aigerim", "--role", "admin")
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert len(lines) == 1
    assert len(lines[0]) >= 16
    assert not any(c.isspace() for c in lines[0])
    assert "shown only once" in made.stderr
    again = users(tmp_path, "add", "aigerim", "--role", "analyst")
    assert again.returncode == 1
    assert again.stdout == ""
    assert "exists already" in again.stderr
    listed = users(tmp_path, "list")
    assert listed.stdout.split("\t")[:2] == ["aigerim", "admin"]
    assert lines[0] not in listed.stdout + listed.stderr


@pytest.mark.parametrize(("args", "message"), [(["add", "x", "--role", "root"], "invalid choice"),
                                               (["add", "a b", "--role", "analyst"], "user name")])  # fmt: skip
def test_bad_input_is_refused_saying_what_is_wrong(tmp_path, args, message):
    made = users(tmp_path, *args)
    assert made.returncode != 0
    assert made.stdout == ""
    assert message in made.stderr


def test_console_settings_are_checked_at_start(tmp_path):
    config = tmp_path / "antifraud.toml"
    config.write_text('[console]\nsecure_cookies = "sometimes"\n')
    with pytest.raises(ConfigError, match="secure_cookies"):
        load_settings(config, environ={})
    config.write_text('[console]\nidle_minutes = "long"\n')
    with pytest.raises(ConfigError, match="idle_minutes"):
        load_settings(config, environ={})
    with pytest.raises(ConfigError, match="trusted_proxies"):
        parse_proxies("10.0.0.0/8, not-a-network")
    assert [str(n) for n in parse_proxies(" 10.0.0.0/8 ,::1 ")] == ["10.0.0.0/8", "::1/128"]
