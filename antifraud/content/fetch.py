"""The crawl as a plan: an I/O-free state machine the async crawler drives (see STYLE.md, habit 2).

    plan = CrawlPlan(url, guard, limits)
    while not isinstance(step := plan.next_step(), Done):
        ...do what the step says (Resolve, Connect, ReadBody), then plan.record(what happened)

The plan owns every decision that keeps the crawler from being turned against the center's own
network: what each hop's host resolves to (once per host and crawl: no second lookup, so DNS
rebinding has nothing to rebind), whether those addresses may be reached, whether a redirect is
followed, and how the crawl ends. The driver only performs the steps, inside the time and size caps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from antifraud.content.addresses import AddressGuard, Refusal
from antifraud.content.target import BadTarget, Target, parse_target, resolve_location
from antifraud.content.tls import TlsFacts

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchOutcome(StrEnum):
    """How a crawl ended. A closed set: it labels `antifraud_crawl_fetches_total{outcome}`."""

    OK = "ok"  # a 2xx response, body read within the caps
    HTTP_ERROR = "http_error"  # a final response that is not 2xx (its body is still read)
    INVALID_URL = "invalid_url"
    DNS_ERROR = "dns_error"
    BLOCKED_ADDRESS = "blocked_address"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    TLS_ERROR = "tls_error"
    CONNECT_ERROR = "connect_error"
    PROTOCOL_ERROR = "protocol_error"  # malformed HTTP, or a body that breaks its content coding


@dataclass(frozen=True, slots=True)
class CrawlLimits:
    max_redirects: int = 5
    total_seconds: float = 20.0  # the whole crawl, every hop and lookup included
    connect_seconds: float = 5.0
    read_gap_seconds: float = 5.0  # the longest silence between two reads (slowloris)
    max_wire_bytes: int = 2 * 1024 * 1024  # body as sent
    max_decoded_bytes: int = 8 * 1024 * 1024  # body after decompression

    def __post_init__(self) -> None:
        for name in ("total_seconds", "connect_seconds", "read_gap_seconds", "max_wire_bytes", "max_decoded_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"crawl limit {name} must be positive, not {getattr(self, name)}")
        if self.max_redirects < 0:
            raise ValueError(f"crawl limit max_redirects must be 0 or more, not {self.max_redirects}")


@dataclass(frozen=True, slots=True)
class Hop:
    """One response on the way: a redirect, or the final page."""

    url: str
    status: int
    address: str | None  # the vetted address the response came from
    location: str | None = None  # where a redirect pointed, as the server wrote it


@dataclass(frozen=True, slots=True)
class CrawlResult:
    url: str  # as asked
    outcome: FetchOutcome
    detail: str  # in words, for reasons and logs
    final_url: str | None = None
    status: int | None = None
    redirects: tuple[Hop, ...] = ()  # every redirect response, in order
    address: str | None = None  # where the final response came from
    content_type: str | None = None
    charset: str | None = None
    title: str | None = None
    text: str | None = None  # the decoded body of a textual response, for page analysis
    body_bytes: int = 0  # after decompression
    wire_bytes: int = 0
    tls: TlsFacts | None = None
    refusal: Refusal | None = None  # the address refused, when outcome is blocked_address
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is FetchOutcome.OK

    @property
    def redirect_chain(self) -> tuple[str, ...]:
        """Every URL visited, the asked one first and the final one last."""
        chain = [hop.url for hop in self.redirects]
        if self.final_url is not None:
            chain.append(self.final_url)
        return tuple(chain)


# --- steps the plan asks for -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolve:
    host: str


@dataclass(frozen=True, slots=True)
class Connect:
    """Send the request for `target` to one of `addresses` (already vetted), without following redirects."""

    target: Target
    addresses: tuple[str, ...]
    hop: int


@dataclass(frozen=True, slots=True)
class ReadBody:
    status: int
    max_wire_bytes: int
    max_decoded_bytes: int


@dataclass(frozen=True, slots=True)
class Done:
    outcome: FetchOutcome
    detail: str


Step: TypeAlias = Resolve | Connect | ReadBody | Done


# --- what the driver reports back --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResolveFailed:
    detail: str
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class Responded:
    status: int
    address: str | None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class BodyRead:
    wire_bytes: int
    decoded_bytes: int


@dataclass(frozen=True, slots=True)
class Failed:
    outcome: FetchOutcome
    detail: str


class PlanMisuseError(RuntimeError):
    """The driver recorded something the current step did not ask for: a bug in the driver."""


@dataclass
class CrawlPlan:
    requested: str
    guard: AddressGuard
    limits: CrawlLimits = field(default_factory=CrawlLimits)

    def __post_init__(self) -> None:
        self.redirects: list[Hop] = []
        self.final: Hop | None = None
        self.target: Target | None = None
        self.refusal: Refusal | None = None
        self.body: BodyRead | None = None
        self._vetted: dict[str, tuple[str, ...]] = {}  # host -> addresses, for the whole crawl
        self._seen: set[str] = set()
        self._step: Step
        try:
            target = parse_target(self.requested)
        except BadTarget as exc:
            self._step = Done(FetchOutcome.INVALID_URL, str(exc))
            return
        self._go(target)

    @property
    def done(self) -> bool:
        return isinstance(self._step, Done)

    def next_step(self) -> Step:
        return self._step

    def _go(self, target: Target) -> None:
        self.target = target
        self._seen.add(target.url)
        if target.address is not None:
            self._vet(target, (str(target.address),))
        elif target.host in self._vetted:
            self._step = Connect(target, self._vetted[target.host], hop=len(self.redirects))
        else:
            self._step = Resolve(target.host)

    def _vet(self, target: Target, addresses: tuple[str, ...]) -> None:
        if not addresses:
            self._step = Done(FetchOutcome.DNS_ERROR, f"{target.host} has no A or AAAA records")
            return
        vetted, refusal = self.guard.vet(addresses)
        if refusal is not None:
            self.refusal = refusal
            where = "" if target.address is not None else f"{target.host} resolves to "
            self._step = Done(FetchOutcome.BLOCKED_ADDRESS, f"refused to connect: {where}{refusal.reason}")
            return
        self._vetted[target.host] = vetted
        self._step = Connect(target, vetted, hop=len(self.redirects))

    def record(self, result: Resolved | ResolveFailed | Responded | BodyRead | Failed) -> None:
        step = self._step
        match step, result:
            case Resolve(), Resolved(addresses=addresses):
                if self.target is None:
                    raise PlanMisuseError("a Resolve step without a target")
                self._vet(self.target, addresses)
            case Resolve(host=host), ResolveFailed(detail=detail, timed_out=timed_out):
                outcome = FetchOutcome.TIMEOUT if timed_out else FetchOutcome.DNS_ERROR
                self._step = Done(outcome, f"resolving {host}: {detail}")
            case Connect(target=target), Responded():
                self._responded(target, result)
            case ReadBody(status=status), BodyRead():
                self.body = result
                outcome = FetchOutcome.OK if 200 <= status < 300 else FetchOutcome.HTTP_ERROR
                self._step = Done(outcome, f"HTTP {status}, {result.decoded_bytes} bytes")
            case Resolve() | Connect() | ReadBody(), Failed(outcome=outcome, detail=detail):
                self._step = Done(outcome, detail)
            case _:
                raise PlanMisuseError(f"recorded {type(result).__name__} while the step was {type(step).__name__}")

    def _responded(self, target: Target, response: Responded) -> None:
        if response.status in REDIRECT_STATUSES and response.location:
            hop = Hop(target.url, response.status, response.address, response.location)
            self.redirects.append(hop)
            if len(self.redirects) > self.limits.max_redirects:
                cap = self.limits.max_redirects
                self._step = Done(
                    FetchOutcome.TOO_MANY_REDIRECTS, f"more than {cap} redirects, the last from {target.url}"
                )
                return
            following = response.location
            try:
                following = resolve_location(target.url, response.location)
                next_target = parse_target(following)
            except BadTarget as exc:
                self._step = Done(FetchOutcome.INVALID_URL, f"redirect from {target.url} to {following[:200]!r}: {exc}")
                return
            if next_target.url in self._seen:
                self._step = Done(FetchOutcome.REDIRECT_LOOP, f"{target.url} redirects back to {next_target.url}")
                return
            self._go(next_target)
            return
        self.final = Hop(target.url, response.status, response.address)
        self._step = ReadBody(response.status, self.limits.max_wire_bytes, self.limits.max_decoded_bytes)
