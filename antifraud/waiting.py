"""Waiting for an event with a deadline, cancellation-safe.

`asyncio.wait_for` in Python 3.11 can lose a cancellation that arrives while it cancels its inner
task (bpo-42130 family): a background loop blocked in it then never ends on shutdown. `asyncio.timeout`
tracks cancellation requests properly, so the loops here wait with it.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """True when `event` was set within `seconds`, False when the time ran out."""
    try:
        async with asyncio.timeout(max(0.0, seconds)):
            await event.wait()
    except TimeoutError:
        return False
    return True
