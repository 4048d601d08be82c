"""Numbered SQL migrations, applied in order, each once, each in its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    folder = resources.files("antifraud.storage") / "migrations"
    found: list[Migration] = []
    for item in folder.iterdir():
        match = _NAME.match(item.name)
        if match:
            found.append(Migration(int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        msg = f"two migrations share a number: {[m.name for m in found]}"
        raise RuntimeError(msg)
    return found
