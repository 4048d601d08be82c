"""`antifraud gateway-agent`: the composition root of the agent (ports opened and closed here)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from workers.gateway import tables
from workers.gateway.agent import AgentSettings, GatewayAgent
from workers.gateway.center_client import CenterClient
from workers.gateway.kamailio_rpc import KamailioRpc
from workers.gateway.model import CenterUnavailable, GatewayAgentError, GatewayUnavailable, InvalidTable, table_specs

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AgentOptions:
    center: str
    tables_dir: Path
    rpc: str
    key_env: str
    lists: str
    interval: float
    hits_interval: float
    once: bool


async def run_agent(options: AgentOptions) -> int:
    """Run until SIGTERM/SIGINT (0), or one round with `once` (0 when the sync and the hit report
    both worked, 1 otherwise). GatewayAgentError for a configuration that cannot work."""
    key = os.environ.get(options.key_env, "").strip()
    if not key:
        raise GatewayAgentError(f"set {options.key_env} to the pull key of this operator (a key with the 'pull' scope)")
    if not options.center.startswith(("http://", "https://")):
        raise GatewayAgentError(f"--center must be an http:// or https:// URL, not {options.center!r}")
    settings = AgentSettings(options.tables_dir, table_specs(options.lists), options.interval, options.hits_interval)
    lock = tables.lock_directory(options.tables_dir)
    try:
        async with CenterClient(options.center, key) as center, KamailioRpc(options.rpc) as gateway:
            agent = GatewayAgent(settings, center, gateway)
            if options.once:
                return await _once(agent)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            log.info("gateway agent: %s -> %s, reloading over %s", options.center, options.tables_dir, options.rpc)
            await agent.run(stop)
            return 0
    finally:
        with contextlib.suppress(OSError):
            lock.close()


async def _once(agent: GatewayAgent) -> int:
    status = 0
    try:
        report = await agent.sync_once()
        log.info("version %s: wrote %s, reloaded %s", report.version, report.updated, report.reloaded)
        status = 1 if report.refused else 0
    except (CenterUnavailable, GatewayUnavailable, InvalidTable) as exc:
        log.error("sync failed: %s", exc)  # noqa: TRY400 - the message is the whole story
        status = 1
    try:
        await agent.report_hits_once()
    except (CenterUnavailable, GatewayUnavailable) as exc:
        log.error("hit report failed: %s", exc)  # noqa: TRY400
        status = 1
    return status
