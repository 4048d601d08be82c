"""NOTIFY (RFC 1996): tell secondaries a zone has a new serial, retrying with backoff until one
answers NOERROR or the attempts run out (a secondary that never answers costs a bounded effort, and
its SOA refresh is the safety net)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyPolicy:
    attempts: int = 6
    timeout: float = 2.0  # per attempt, waiting for the answer
    first_delay: float = 0.5  # before the second attempt; doubled each time up to max_delay
    max_delay: float = 8.0


def notify_message(zone: dns.name.Name, soa: dns.rrset.RRset | None) -> dns.message.Message:
    message = dns.message.make_query(zone, dns.rdatatype.SOA)
    message.flags = dns.flags.AA  # and no RD; the opcode lives in the same bits, so it is set after
    message.set_opcode(dns.opcode.NOTIFY)
    if soa is not None:  # the new SOA is a hint (RFC 1996 3.7); secondaries still ask for it
        message.answer.append(soa)
    return message


async def send_notify(
    zone: dns.name.Name,
    target: tuple[str, int],
    soa: dns.rrset.RRset | None = None,
    policy: NotifyPolicy | None = None,
) -> bool:
    """True once the target acknowledged the NOTIFY with NOERROR; False after the last attempt."""
    policy = policy or NotifyPolicy()
    host, port = target
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        message = notify_message(zone, soa)
        try:
            response = await dns.asyncquery.udp(message, host, port=port, timeout=policy.timeout)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            log.info("NOTIFY %s to %s:%d, attempt %d: %s", zone, host, port, attempt, exc or type(exc).__name__)
        else:
            if response.rcode() == dns.rcode.NOERROR:
                log.debug("NOTIFY %s to %s:%d acknowledged", zone, host, port)
                return True
            log.info(
                "NOTIFY %s to %s:%d, attempt %d: answered %s",
                zone,
                host,
                port,
                attempt,
                dns.rcode.to_text(response.rcode()),
            )
        if attempt < policy.attempts:
            await asyncio.sleep(delay)
            delay = min(delay * 2, policy.max_delay)
    log.warning("NOTIFY %s to %s:%d not acknowledged after %d attempts", zone, host, port, policy.attempts)
    return False
