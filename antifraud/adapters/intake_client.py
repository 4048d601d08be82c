"""Reports to the center's intake (`POST /v1/reports`, batch form) over HTTP: for `cdr analyze --submit`.

A batch carries an Idempotency-Key made from its content, so a retry, or the same file analysed
again, never files the same reports twice. Busy (429, with Retry-After) and unavailable (5xx, no
connection) answers are retried with backoff; anything else is an error that says what the center
answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from typing import Any, Self

import aiohttp

from antifraud.domain.errors import AntifraudError


class IntakeError(AntifraudError):
    code = "intake"


class IntakeClient:
    def __init__(self, url: str, key: str, *, attempts: int = 5, timeout: float = 30.0, backoff: float = 1.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise IntakeError(f"the center's URL must start with http:// or https://, not {url[:60]!r}")
        self.url = url.rstrip("/") + "/v1/reports"
        self.attempts = attempts
        self.backoff = backoff
        self._headers = {"Authorization": f"Bearer {key}", "User-Agent": "antifraud-cdr"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self.rejected: list[dict[str, Any]] = []  # per-item refusals the center gave (kept to be said)

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def submit(self, reports: list[dict[str, str]]) -> None:
        if self._session is None:
            raise RuntimeError("use `async with IntakeClient(...)`")
        body = json.dumps({"reports": reports}, ensure_ascii=False, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": hashlib.sha256(body).hexdigest()[:40]}
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2))  # noqa: S311 - jitter
            try:
                async with self._session.post(self.url, data=body, headers=headers) as response:
                    text = await response.text()
                    if response.status in {200, 202, 207}:
                        self._note_rejected(text)
                        return
                    last = f"{response.status}: {text[:200]}"
                    if response.status == 429:
                        await asyncio.sleep(_retry_after(response.headers.get("Retry-After", "")))
                        continue
                    if response.status < 500:
                        raise IntakeError(f"the center refused the reports ({last})")
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = str(exc) or type(exc).__name__
        raise IntakeError(f"the center did not take the reports after {self.attempts} attempts ({last})")

    def _note_rejected(self, text: str) -> None:
        try:
            results = json.loads(text).get("results", [])
        except (ValueError, AttributeError):
            return
        self.rejected.extend(r for r in results if isinstance(r, dict) and "error" in r)


def _retry_after(text: str) -> float:
    """Retry-After in seconds, capped at a minute; an HTTP date or garbage means one second."""
    return min(60.0, float(text)) if text.isdigit() else 1.0
