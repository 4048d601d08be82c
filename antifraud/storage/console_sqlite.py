"""antifraud.console.ports.ConsoleStore on the center's SQLite database (the shared writer task, the
shared reader): accounts and sessions are ordinary writes in the group commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from antifraud.console.ports import (
    ConsoleSession,
    ConsoleUser,
    Found,
    HitRow,
    OpenDispute,
    PublishedChange,
    Role,
    Waiting,
)
from antifraud.domain.errors import Conflict
from antifraud.domain.model import Category, IndicatorKey, IndicatorType, ListingState
from antifraud.storage.database import SqliteDatabase, dt, ts

_USER_COLUMNS = "name, role, password_hash, must_change, created_at, disabled"
_SESSION_COLUMNS = "token_hash, username, csrf_token, created_at, last_seen_at, expires_at"
_FOUND_COLUMNS = "type, value, display, state, score, category"


def _user(r: Sequence[Any]) -> ConsoleUser:
    return ConsoleUser(r[0], Role(r[1]), r[2], bool(r[3]), datetime.fromisoformat(r[4]), bool(r[5]))


def _session(r: Sequence[Any]) -> ConsoleSession:
    return ConsoleSession(
        r[0], r[1], r[2], datetime.fromisoformat(r[3]), datetime.fromisoformat(r[4]), datetime.fromisoformat(r[5])
    )


def _found(r: Sequence[Any]) -> Found:
    return Found(
        IndicatorKey(IndicatorType(r[0]), r[1]),
        r[2],
        ListingState(r[3]),
        int(r[4]),
        Category(r[5]) if r[5] else None,
    )


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqliteConsoleStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    # accounts ------------------------------------------------------------------------------------
    async def add_user(self, user: ConsoleUser) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            try:
                await conn.execute(
                    f"INSERT INTO console_users ({_USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (user.name, user.role.value, user.password_hash, int(user.must_change), ts(user.created_at), 0),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"a console user named {user.name!r} exists already", field="name") from None

        await self.db.write(op)

    async def get_user(self, name: str) -> ConsoleUser | None:
        row = await self.db.fetchone(f"SELECT {_USER_COLUMNS} FROM console_users WHERE name = ?", (name,))
        return None if row is None else _user(row)

    async def list_users(self) -> list[ConsoleUser]:
        return [_user(r) for r in await self.db.fetchall(f"SELECT {_USER_COLUMNS} FROM console_users ORDER BY name")]

    async def set_password(self, name: str, password_hash: str, *, must_change: bool, at: datetime) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE console_users SET password_hash = ?, must_change = ?, password_changed_at = ? WHERE name = ?",
                (password_hash, int(must_change), ts(at), name),
            )

        await self.db.write(op)

    # sessions ------------------------------------------------------------------------------------
    async def add_session(self, session: ConsoleSession) -> None:
        s = session

        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                f"INSERT INTO console_sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (s.token_hash, s.username, s.csrf_token, ts(s.created_at), ts(s.last_seen_at), ts(s.expires_at)),
            )

        await self.db.write(op)

    async def get_session(self, token_hash: str) -> ConsoleSession | None:
        row = await self.db.fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM console_sessions WHERE token_hash = ?", (token_hash,)
        )
        return None if row is None else _session(row)

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?",
                (ts(at), token_hash, ts(at)),
            )

        await self.db.write(op)

    async def delete_session(self, token_hash: str) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,))

        await self.db.write(op)

    async def delete_sessions_of(self, username: str, keep: str | None = None) -> int:
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "DELETE FROM console_sessions WHERE username = ? AND token_hash IS NOT ?", (username, keep)
            )
            return int(cur.rowcount)

        return await self.db.write(op)

    async def prune_sessions(self, before: datetime) -> int:
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute("DELETE FROM console_sessions WHERE expires_at < ?", (ts(before),))
            return int(cur.rowcount)

        return await self.db.write(op)

    # reads for the pages -------------------------------------------------------------------------
    async def reports_since(self, at: datetime) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM reports WHERE received_at >= ?", (ts(at),))
        return int(row[0]) if row else 0

    async def waiting(self, overdue_before: datetime) -> Waiting:
        # each an index range: indicators_state_since (state, state_changed_at), indicators_disputed
        review = await self.db.fetchone(
            "SELECT COUNT(*), MIN(state_changed_at) FROM indicators WHERE state = 'review'",
        )
        overdue = await self.db.fetchone(
            "SELECT COUNT(*) FROM indicators WHERE state = 'review' AND state_changed_at < ?", (ts(overdue_before),)
        )
        disputed = await self.db.fetchone("SELECT COUNT(*) FROM indicators WHERE disputed = 1")  # a partial index
        return Waiting(
            in_review=int(review[0]) if review else 0,
            disputed=int(disputed[0]) if disputed else 0,
            oldest=dt(review[1]) if review else None,
            overdue=int(overdue[0]) if overdue else 0,
        )

    async def listing_delays(self, since: datetime, limit: int) -> list[float]:
        rows = await self.db.fetchall(
            "SELECT first_report_at, listed_at FROM indicators WHERE state = 'listed' AND state_changed_at >= ?"
            " AND first_report_at IS NOT NULL AND listed_at IS NOT NULL ORDER BY state_changed_at DESC LIMIT ?",
            (ts(since), limit),
        )
        return [max(0.0, (datetime.fromisoformat(r[1]) - datetime.fromisoformat(r[0])).total_seconds()) for r in rows]

    async def open_disputes(self, limit: int, offset: int) -> tuple[int, list[OpenDispute]]:
        total = await self.db.fetchone("SELECT COUNT(*) FROM disputes WHERE closed_at IS NULL")
        rows = await self.db.fetchall(
            "SELECT d.dispute_id, d.type, d.value, COALESCE(o.name, '#' || d.operator_id), d.reason, d.contact,"
            " d.created_at, i.state FROM disputes d LEFT JOIN operators o ON o.id = d.operator_id"
            " LEFT JOIN indicators i ON i.type = d.type AND i.value = d.value"
            " WHERE d.closed_at IS NULL ORDER BY d.created_at LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return int(total[0]) if total else 0, [
            OpenDispute(
                r[0],
                IndicatorKey(IndicatorType(r[1]), r[2]),
                r[3],
                r[4],
                r[5],
                datetime.fromisoformat(r[6]),
                ListingState(r[7]) if r[7] else None,
            )
            for r in rows
        ]

    async def operator_names(self) -> dict[int, str]:
        return {int(r[0]): r[1] for r in await self.db.fetchall("SELECT id, name FROM operators")}

    async def published_history(self, list_name: str, value: str, limit: int) -> list[PublishedChange]:
        rows = await self.db.fetchall(
            "SELECT c.version, c.action, p.created_at FROM publication_changes c"
            " JOIN publications p ON p.version = c.version"
            " WHERE c.list = ? AND c.value = ? ORDER BY c.version LIMIT ?",
            (list_name, value, limit),
        )
        return [PublishedChange(int(r[0]), r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def hits_of(self, list_name: str, value: str, since: datetime, limit: int) -> list[HitRow]:
        rows = await self.db.fetchall(
            "SELECT COALESCE(o.name, '#' || h.operator_id), h.interval_start, h.interval_end,"
            " json_extract(e.value, '$.hits') FROM hits h LEFT JOIN operators o ON o.id = h.operator_id,"
            " json_each(h.entries) e WHERE h.list = ? AND h.interval_start >= ?"
            " AND json_extract(e.value, '$.value') = ? ORDER BY h.interval_start DESC LIMIT ?",
            (list_name, ts(since), value, limit),
        )
        return [HitRow(r[0], datetime.fromisoformat(r[1]), datetime.fromisoformat(r[2]), int(r[3] or 0)) for r in rows]

    async def search_prefix(self, prefix: str, limit: int) -> list[Found]:
        found: list[Found] = []
        for kind in IndicatorType:  # one range of the (type, value) index per type
            rows = await self.db.fetchall(
                f"SELECT {_FOUND_COLUMNS} FROM indicators WHERE type = ? AND value >= ? AND value < ?"
                " ORDER BY value LIMIT ?",
                (kind.value, prefix, prefix + "\U0010ffff", limit - len(found)),
            )
            found += [_found(r) for r in rows]
            if len(found) >= limit:
                break
        return found

    async def search_brand(self, brand: str, limit: int) -> list[Found]:
        rows = await self.db.fetchall(
            f"SELECT {_FOUND_COLUMNS} FROM indicators WHERE signals LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?",
            (_like(brand), limit),
        )
        return [_found(r) for r in rows]
