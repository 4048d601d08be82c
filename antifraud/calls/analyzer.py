"""The stream analysis: CSV rows in, findings out, memory bounded whatever the length of the stream.

Per calling number the analyzer keeps counters over windows anchored at the number's first call after
the previous window closed (a minute for calls per minute, an hour for distinct callees, the profile's
windows for wangiri and SIM-box hints); per high-cost destination, per number block and per spoofed
official number, the same for IRSF, wangiri ranges and spoofed CLI. Numbers idle longer than the
longest window are dropped, and no more than `max_tracked_numbers` are held (the least recently active
go first), so a file larger than memory is analysed in the memory of its busiest window.

Records are expected in the order calls started (as switches write them, give or take seconds); a
record from before a number's window simply counts in that window.

The patterns and their sources (docs/telecom.md says more):
- velocity: calls per minute, concurrent calls and sequential callees (the cpm, concurrent and
  sequential rules of OpenSIPS fraud_detection), distinct callees per hour;
- wangiri: one-ring unanswered calls from a number, or from a block of foreign numbers an auto-dialler
  rotates through, to many subscribers (iconectiv, Neural Technologies: a form of IRSF that waits for
  the call back to a premium number);
- IRSF: bursts of long answered calls to premium-rate or high-cost destinations (CFCA);
- spoofed CLI: an official number of a protected brand arriving on the international trunk;
- SIM-box hints (Murynets et al., "Analysis and detection of SIMbox fraud in mobility networks",
  IEEE INFOCOM 2014; HAUD and Oksijen's indicators): many calls to many distinct subscribers with few
  repeats (B-party diversity), a number nobody calls back, and home-network numbers arriving on the
  international trunk (bypass, refiling).

The loop reads fields and updates counters inline (a million records a few seconds, the aim of
benchmarks/bench_calls.py); what happens rarely (a threshold reached, overlapping calls, a wangiri
attempt, a long call) is in functions of its own.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

import phonenumbers

from antifraud.calls.findings import Finding
from antifraud.calls.profiles import Levels, Profile
from antifraud.calls.records import MAX_DURATION_S, InvalidRecord, RecordParser, cdr_number, parse_start
from antifraud.domain.phone_ranges import MIN_RANGE_DIGITS

_SMALL = 8  # callees held in a tuple up to this many; a set beyond
_CHECK_EVERY = 8192  # records between checks of the number of states held
_WATCHED = 100_000  # SIM-box candidates watched at once for calls to them
_TYPE_PREFIX = 8  # `+` and seven digits: the type of a number is looked up once per such prefix

# A calling number's state is a list (built in one step, read by constant index: the loop runs per record).
LAST = 0  # start of its latest call
M_START, M_CALLS = 1, 2  # the minute window
H_START, H_CALLS, H_CALLEES = 3, 4, 5  # the hour window; callees: a tuple of a few, then a set
LAST_END, ENDS, C_START = 6, 7, 8  # concurrent calls: latest end; a heap of running ends when calls overlap
SEQ_LAST, SEQ_RUN = 9, 10  # sequential callees: the last callee as a number, and the run so far
W_START, W_CALLEES = 11, 12  # wangiri attempts of this number in its window
D_START, D_CALLS, D_CALLEES, D_HOME_INTL = 13, 14, 15, 16  # the SIM-box window
EMITTED = 17  # {rule: (window start, 1 warning | 2 critical)}: what was reported, or None

Report = Callable[[Finding], None]


class _Group:
    """A destination (IRSF), a block of numbers (wangiri range) or a spoofed number, within its window."""

    __slots__ = ("callees", "callers", "calls", "emitted", "seconds", "start")

    def __init__(self, start: float, emitted: dict[str, tuple[float, int]] | None = None) -> None:
        self.start = start
        self.calls = self.seconds = 0
        self.callers: set[str] = set()
        self.callees: set[str] = set()
        self.emitted = emitted


def _severity(emitted: dict[str, tuple[float, int]], key: str, window: float, levels: Levels, value: int) -> str | None:
    """The severity to report when `value` reached a level not yet reported in this window, else None."""
    severity = levels.level(value)
    if severity is None:
        return None
    rank = 2 if severity == "critical" else 1
    previous = emitted.get(key)
    if previous is not None and previous[0] == window and previous[1] >= rank:
        return None
    emitted[key] = (window, rank)
    return severity


class CallAnalyzer:
    """`for finding in CallAnalyzer(profile, official).analyze(header, rows, invalid): ...`"""

    def __init__(
        self,
        profile: Profile,
        official: Collection[str] = (),
        *,
        number_type: Callable[[str], str] | None = None,
    ) -> None:
        self.profile = profile
        self.official = frozenset(official)
        self._number_type = number_type or _number_type
        self.records = 0  # rows read
        self.invalid = 0  # rows skipped (malformed)
        # a number's state: a list read by the index names above, or (start, callee, end) after one call
        self._callers: dict[str, Any] = {}
        self._destinations: OrderedDict[str, _Group] = OrderedDict()
        self._ranges: OrderedDict[str, _Group] = OrderedDict()
        self._spoofed: OrderedDict[str, _Group] = OrderedDict()
        # SIM-box candidates (busy numbers) -> when they were last called, since they became candidates
        self._watched: dict[str, float] = {}
        self._high_cost = tuple(profile.irsf.high_cost_prefixes)
        self._types: dict[str, str] = {}  # number type by prefix
        self._swept_at: float | None = None
        self._countdown = _CHECK_EVERY  # records until the next check of the state held
        self._found: list[Finding] = []

    # the stream --------------------------------------------------------------------------------------
    def analyze(  # noqa: C901, PLR0912, PLR0915 - the per-record loop, kept in one frame for speed
        self, header: Sequence[str], rows: Iterable[Sequence[str]], invalid: Callable[[str], None]
    ) -> Iterator[Finding]:
        """Findings of the rows, as they are found. A malformed row is passed to `invalid` (with what is
        wrong) when it is read, and skipped. InvalidRecord when the header lacks a required column."""
        parser = RecordParser(header)
        i_start, i_caller, i_callee, i_duration, i_answered, i_trunk = parser.indexes
        profile = self.profile
        velocity, wangiri, simbox = profile.velocity, profile.wangiri, profile.simbox
        cpm_warning = velocity.calls_per_minute.warning
        callees_warning = velocity.distinct_callees_per_hour.warning
        callees_critical = velocity.distinct_callees_per_hour.critical
        seq_warning = velocity.sequential_callees.warning
        wangiri_max = wangiri.max_duration_s
        irsf_min = profile.irsf.min_duration_s
        day, simbox_gate, simbox_min = simbox.window_s, simbox.min_calls // 4, simbox.min_calls
        home = simbox.home_country_code
        official = self.official
        states = self._callers
        watched = self._watched
        found = self._found
        records = invalid_count = 0
        countdown = self._countdown
        try:
            for row in rows:
                records += 1
                try:
                    start_text, caller_text, callee, duration_text, answered_text, trunk = (
                        row[i_start],
                        row[i_caller],
                        row[i_callee],
                        row[i_duration],
                        row[i_answered],
                        row[i_trunk],
                    )
                    start = int(start_text) if start_text.isdigit() else parse_start(start_text)
                    # the raises below are caught a few lines down, with the other bad fields
                    if not duration_text.isdigit():
                        raise InvalidRecord(f"duration_s is {duration_text[:30]!r}; it must be whole seconds")  # noqa: TRY301
                    duration = int(duration_text)
                    if duration > MAX_DURATION_S:
                        raise InvalidRecord(f"duration_s {duration} is longer than a week")  # noqa: TRY301
                    if answered_text == "1":
                        answered = True
                    elif answered_text == "0":
                        answered = False
                    else:
                        raise InvalidRecord(f"answered is {answered_text[:30]!r}; it must be 0 or 1")  # noqa: TRY301
                    if trunk == "domestic":
                        international = False
                    elif trunk == "international":
                        international = True
                    else:
                        raise InvalidRecord(f"trunk is {trunk[:30]!r}; use 'international' or 'domestic'")  # noqa: TRY301
                    # E.164 as most switches write it passes at a glance (+7: twelve characters); the rest
                    # is read by cdr_number
                    size = len(callee)
                    if not (
                        callee[:1] == "+"
                        and callee[1:].isdigit()
                        and (size == 12 if callee[1] == "7" else 8 <= size <= 16)
                    ):
                        callee = cdr_number(callee, "callee") or ""
                    size = len(caller_text)
                    if (
                        caller_text[:1] == "+"
                        and caller_text[1:].isdigit()
                        and (size == 12 if caller_text[1] == "7" else 8 <= size <= 16)
                    ):
                        caller: str | None = caller_text
                    else:
                        caller = cdr_number(caller_text, "caller")
                except IndexError:
                    invalid_count += 1
                    invalid(f"the row has {len(row)} fields; the header names {parser.width} or more")
                    continue
                except InvalidRecord as exc:
                    invalid_count += 1
                    invalid(exc.message)
                    continue
                countdown -= 1
                if not countdown:
                    countdown = _CHECK_EVERY
                    self._bound(start)
                    states = self._callers  # the bound may have rebuilt it
                if callee in watched:
                    watched[callee] = start
                if answered and duration >= irsf_min:
                    self._irsf(start, caller or "a withheld number", callee, duration)
                if caller is not None:
                    if international and caller in official:
                        self._spoofed_cli(start, caller)
                    end = start + duration
                    state = states.get(caller)
                    if state is None:
                        # Most numbers call once in a window: a first call is held as (start, callee, end)
                        # and the full state is built at the second; a first call that needs it at once
                        # (a wangiri attempt, a home number from abroad) builds it now.
                        wangiri_attempt = not answered and duration <= wangiri_max
                        home_abroad = international and caller.startswith(home)
                        if not (wangiri_attempt or home_abroad):
                            states[caller] = (start, callee, end)
                        else:
                            states[caller] = state = _promote((start, callee, end))
                            if wangiri_attempt:
                                self._wangiri(start, caller, callee, state, international)
                            if home_abroad:
                                self._home_on_international(caller, state)
                    else:
                        if type(state) is tuple:
                            states[caller] = state = _promote(state)
                        state[LAST] = start
                        # calls per minute
                        if start - state[M_START] >= 60:
                            state[M_START], state[M_CALLS] = start, 1
                        else:
                            state[M_CALLS] += 1
                            if state[M_CALLS] >= cpm_warning:
                                self._velocity(caller, state, "cpm")
                        # distinct callees per hour
                        if start - state[H_START] >= 3600:
                            state[H_START], state[H_CALLS], state[H_CALLEES] = start, 1, (callee,)
                        else:
                            state[H_CALLS] += 1
                            callees = state[H_CALLEES]
                            if callee not in callees:
                                if type(callees) is tuple:
                                    callees += (callee,)
                                    state[H_CALLEES] = callees if len(callees) <= _SMALL else set(callees)
                                elif len(callees) <= callees_critical:  # beyond it nothing more is reported
                                    callees.add(callee)
                                if len(callees) >= callees_warning:
                                    self._velocity(caller, state, "callees")
                        # concurrent calls
                        if start < state[LAST_END] or state[ENDS] is not None:
                            self._concurrent(start, end, caller, state)
                        elif end > state[LAST_END]:
                            state[LAST_END] = end
                        # sequential callees: each call to the number after the previous one (a dialler)
                        last = state[SEQ_LAST]
                        if last[:-4] == callee[:-4] and _next_number(last, callee):
                            state[SEQ_RUN] += 1
                            if state[SEQ_RUN] >= seq_warning:
                                self._velocity(caller, state, "sequential", callee)
                        else:
                            state[SEQ_RUN] = 1
                        state[SEQ_LAST] = callee
                        if not answered and duration <= wangiri_max:
                            self._wangiri(start, caller, callee, state, international)
                        # SIM-box: the number's day
                        if start - state[D_START] >= day:
                            state[D_START], state[D_CALLS], state[D_CALLEES], state[D_HOME_INTL] = start, 1, None, 0
                        else:
                            state[D_CALLS] += 1
                            if state[D_CALLS] >= simbox_gate:
                                self._simbox(caller, callee, state, simbox_min)
                        if international and caller.startswith(home):
                            self._home_on_international(caller, state)
                if found:
                    self.records, self.invalid, self._countdown = (
                        self.records + records,
                        self.invalid + invalid_count,
                        countdown,
                    )
                    records = invalid_count = 0
                    yield from found
                    found.clear()
        finally:  # also when the rows raise (a line the CSV reader cannot read): the counts stay right
            self.records, self.invalid, self._countdown = (
                self.records + records,
                self.invalid + invalid_count,
                countdown,
            )

    # patterns ------------------------------------------------------------------------------------------
    def _report(
        self,
        emitted: dict[str, tuple[float, int]],
        key: str,
        window: float,
        levels: Levels,
        value: int,
        finding: Callable[[str], Finding],
    ) -> None:
        severity = _severity(emitted, key, window, levels, value)
        if severity is not None:
            self._found.append(finding(severity))

    @staticmethod
    def _emitted(state: list) -> dict[str, tuple[float, int]]:  # type: ignore[type-arg]
        emitted = state[EMITTED]
        if emitted is None:
            emitted = state[EMITTED] = {}
        return emitted  # type: ignore[no-any-return]

    def _velocity(self, caller: str, state: list, rule: str, callee: str = "") -> None:  # type: ignore[type-arg]
        velocity = self.profile.velocity
        emitted = self._emitted(state)
        if rule == "cpm":
            calls = state[M_CALLS]
            self._report(
                emitted, rule, state[M_START], velocity.calls_per_minute, calls,
                lambda s: Finding(caller, "velocity", s, calls, f"{calls} calls within a minute"),
            )  # fmt: skip
        elif rule == "callees":
            distinct, calls = len(state[H_CALLEES]), state[H_CALLS]
            self._report(
                emitted, rule, state[H_START], velocity.distinct_callees_per_hour, distinct,
                lambda s: Finding(
                    caller, "velocity", s, calls, f"{distinct} distinct callees within an hour ({calls} calls)"
                ),
            )  # fmt: skip
        else:
            run = state[SEQ_RUN]
            self._report(
                emitted, rule, state[H_START], velocity.sequential_callees, run,
                lambda s: Finding(
                    caller, "velocity", s, run, f"{run} calls in a row to consecutive numbers, the last {callee}"
                ),
            )  # fmt: skip

    def _concurrent(self, start: float, end: float, caller: str, state: list) -> None:  # type: ignore[type-arg]
        levels = self.profile.velocity.concurrent_calls
        ends = state[ENDS]
        if ends is not None:
            while ends and ends[0] <= start:
                heapq.heappop(ends)
            if not ends:
                ends = state[ENDS] = None
        if ends is None:
            if start >= state[LAST_END]:
                state[LAST_END] = max(state[LAST_END], end)
                return
            ends = state[ENDS] = [state[LAST_END]]  # the previous call is still running
            state[C_START] = start
        if len(ends) <= levels.critical:
            heapq.heappush(ends, end)
        state[LAST_END] = max(state[LAST_END], end)
        running = len(ends)
        self._report(
            self._emitted(state), "concurrent", state[C_START], levels, running,
            lambda s: Finding(caller, "velocity", s, running, f"{running} calls at once"),
        )  # fmt: skip

    def _wangiri(self, start: float, caller: str, callee: str, state: list, international: bool) -> None:  # type: ignore[type-arg]
        wangiri = self.profile.wangiri
        attempts = state[W_CALLEES]
        if attempts is None or start - state[W_START] >= wangiri.window_s:
            state[W_START], attempts = start, set()
            state[W_CALLEES] = attempts
        if len(attempts) <= wangiri.distinct_callees.critical:
            attempts.add(callee)
        reached = len(attempts)
        if reached >= wangiri.distinct_callees.warning:
            self._report(
                self._emitted(state), "wangiri", state[W_START], wangiri.distinct_callees, reached,
                lambda s: Finding(
                    caller, "wangiri", s, reached,
                    f"{reached} subscribers rung once and left unanswered (at most {wangiri.max_duration_s} s)",
                ),
            )  # fmt: skip
        # A block counts only calls from abroad: wangiri rotates through foreign (premium) ranges, and a
        # block of the home network is a thousand neighbours whose short calls add up to nothing.
        block = _block(caller, wangiri.range_digits) if international else None
        if block is None:
            return
        group = self._group(self._ranges, block, start, wangiri.window_s)
        group.calls += 1
        if len(group.callers) < 1000:
            group.callers.add(caller)
        if len(group.callees) <= wangiri.range_distinct_callees.critical:
            group.callees.add(callee)
        if len(group.callers) >= wangiri.range_min_callers:
            numbers, reached, calls = len(group.callers), len(group.callees), group.calls
            self._report(
                _emitted_of(group), "range", group.start, wangiri.range_distinct_callees, reached,
                lambda s: Finding(
                    block, "wangiri", s, calls,
                    f"{numbers} numbers of the block rang {reached} subscribers once, unanswered",
                ),
            )  # fmt: skip

    def _irsf(self, start: float, caller: str, callee: str, duration: int) -> None:
        irsf = self.profile.irsf
        kind = self._high_cost_kind(callee)
        if kind is None:
            return
        group = self._group(self._destinations, callee, start, irsf.window_s)
        group.calls += 1
        group.seconds += duration
        if len(group.callers) < 1000:
            group.callers.add(caller)
        calls, minutes, callers = group.calls, group.seconds // 60, len(group.callers)
        detail = (
            f"{calls} long calls ({minutes} min) to a {kind} destination from {callers} number(s), the last {caller}"
        )
        emitted = _emitted_of(group)
        self._report(
            emitted, "calls", group.start, irsf.calls, calls, lambda s: Finding(callee, "irsf", s, calls, detail)
        )
        self._report(
            emitted, "minutes", group.start, irsf.minutes, minutes, lambda s: Finding(callee, "irsf", s, calls, detail)
        )

    def _high_cost_kind(self, callee: str) -> str | None:
        if self._high_cost and callee.startswith(self._high_cost):
            return "high-cost"
        # Numbering plans give a number's type by its first digits: the type is looked up once per
        # prefix of the country code and four more digits, not once per number (parsing is slow).
        prefix = callee[:_TYPE_PREFIX]
        kind = self._types.get(prefix)
        if kind is None:
            kind = self._types[prefix] = self._number_type(callee)
        return kind.replace("_", "-") if kind in self.profile.irsf.number_types else None

    def _spoofed_cli(self, start: float, caller: str) -> None:
        rule = self.profile.spoofed_cli
        group = self._group(self._spoofed, caller, start, rule.window_s)
        group.calls += 1
        calls = group.calls
        self._report(
            _emitted_of(group), "spoofed", group.start, rule.calls, calls,
            lambda s: Finding(
                caller, "spoofed_cli", s, calls,
                f"an official number of a protected brand arrived on the international trunk {calls} time(s)",
            ),
        )  # fmt: skip

    def _simbox(self, caller: str, callee: str, state: list, min_calls: int) -> None:  # type: ignore[type-arg]
        """Callees are held from the number's `min_calls // 4`-th call of its window on (only busy
        numbers pay for them), and from then on the number is watched for calls to it."""
        simbox = self.profile.simbox
        callees = state[D_CALLEES]
        if callees is None:
            callees = state[D_CALLEES] = set()
            if len(self._watched) < _WATCHED:
                self._watched.setdefault(caller, -1.0)
        if len(callees) <= simbox.distinct_callees.critical:
            callees.add(callee)
        calls = state[D_CALLS]
        if calls < min_calls:
            return
        distinct = len(callees)
        held = calls - simbox.min_calls // 4 + 1
        if distinct < simbox.distinct_callees.warning or distinct < simbox.min_distinct_share * held:
            return
        called = self._watched.get(caller)
        if called is None or called >= state[D_START]:
            return  # not watched (too many candidates), or called during its window
        share = round(100 * distinct / max(held, 1))
        self._report(
            self._emitted(state), "simbox", state[D_START], simbox.distinct_callees, distinct,
            lambda s: Finding(
                caller, "simbox", s, calls,
                f"{calls} calls to {distinct} distinct subscribers ({share}% never called twice), "
                "and the number itself was never called",
            ),
        )  # fmt: skip

    def _home_on_international(self, caller: str, state: list) -> None:  # type: ignore[type-arg]
        if caller in self.official:
            return  # that is spoofed CLI, reported as such
        simbox = self.profile.simbox
        state[D_HOME_INTL] += 1
        count = state[D_HOME_INTL]
        self._report(
            self._emitted(state), "home_intl", state[D_START], simbox.home_cli_on_international, count,
            lambda s: Finding(
                caller, "simbox", s, count,
                f"a {simbox.home_country_code} number arrived on the international trunk {count} times "
                "(bypass or refiled traffic)",
            ),
        )  # fmt: skip

    # bookkeeping --------------------------------------------------------------------------------------
    def _group(self, groups: OrderedDict[str, _Group], key: str, start: float, window: int) -> _Group:
        group = groups.get(key)
        if group is None or start - group.start >= window:
            group = groups[key] = _Group(start, None if group is None else group.emitted)
            if len(groups) > self.profile.max_tracked_numbers:
                groups.popitem(last=False)
        groups.move_to_end(key)
        return group

    def _bound(self, now: float) -> None:
        """Keep the state within `max_tracked_numbers`; and, once per quarter of the longest window,
        drop what has been idle longer than any window."""
        profile = self.profile
        if len(self._callers) > profile.max_tracked_numbers:
            self._callers = _most_recent(self._callers, profile.max_tracked_numbers // 2)
        if self._swept_at is not None and now - self._swept_at < profile.longest_window / 4:
            return
        self._swept_at = now
        horizon = now - profile.longest_window
        self._callers = {k: state for k, state in self._callers.items() if state[LAST] >= horizon}
        for key in [k for k in self._watched if k not in self._callers]:
            del self._watched[key]
        for groups in (self._destinations, self._ranges, self._spoofed):
            while groups and next(iter(groups.values())).start < horizon:
                groups.popitem(last=False)

    @property
    def tracked(self) -> int:
        """Numbers, destinations and blocks held now (what bounds the memory)."""
        return (
            len(self._callers) + len(self._destinations) + len(self._ranges) + len(self._spoofed) + len(self._watched)
        )


def _most_recent(callers: dict[str, Any], keep: int) -> dict[str, Any]:
    """About the `keep` most recently active numbers (a new dict: dropping half of a dict in place
    would leave holes every later scan walks past). The cut-off is read from a sample: exactness
    does not matter, and sorting half a million times would."""
    lasts = [state[LAST] for state in itertools.islice(callers.values(), 0, None, max(1, len(callers) // 1000))]
    lasts.sort()
    cutoff = lasts[max(0, len(lasts) - 1 - len(lasts) * keep // max(len(callers), 1))]
    recent = {k: state for k, state in callers.items() if state[LAST] > cutoff}
    if len(recent) > keep:  # a burst in one second: keep the latest arrivals whatever their time
        recent = dict(itertools.islice(recent.items(), len(recent) - keep, None))
    return recent


def _promote(first: tuple[float, str, float]) -> list:  # type: ignore[type-arg]
    """The full state of a number from its first call (start, callee, end)."""
    start, callee, end = first
    return [start, start, 1, start, 1, (callee,), end, None, start, callee, 1, start, None, start, 1, None, 0, None]


def _next_number(previous: str, callee: str) -> bool:
    """Whether `callee` is the number right after `previous` (+77010000009 -> +77010000010)."""
    if len(previous) != len(callee):
        return False
    try:
        return int(callee[-6:]) - int(previous[-6:]) == 1
    except ValueError:
        return False


def _emitted_of(group: _Group) -> dict[str, tuple[float, int]]:
    if group.emitted is None:
        group.emitted = {}
    return group.emitted


def _block(number: str, digits: int) -> str | None:
    """`+77012345678` -> `+77012345*` for 3 digits; None when the block would be too wide to list."""
    if not number.startswith("+") or len(number) - digits - 1 < 3 + MIN_RANGE_DIGITS:  # 3: the longest country code
        return None
    return number[:-digits] + "*"


_TYPE_NAMES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
    phonenumbers.PhoneNumberType.UNKNOWN: "unknown",
}


def _number_type(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "unknown"
    return _TYPE_NAMES.get(phonenumbers.number_type(number), "other")
