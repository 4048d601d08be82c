"""The read model: what checks need of every listed, in-review or disputed indicator, compactly.

A national list holds millions of entries; a Python record per indicator cost 24x a set of the
values (4.9 GB for 1 M domains + 1 M numbers). Here each indicator is one dict slot from its value to
one small int packing its state, category, score, origin and dispute flag; the ints are interned, so
two million entries share a few thousand int objects. Full records are loaded on demand from the
store (antifraud.services.repository).

It is updated after a commit (never before: an uncommitted change must not answer a check) and from
the change feed for what other processes wrote; each update carries the row version, and an update
older than one already applied is ignored (a commit of this process and a newer one of another can
arrive in either order).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from antifraud.domain.model import Category, DecisionOrigin, IndicatorKey, IndicatorType, ListingState, ListKind
from antifraud.ports import Projection, ProjectionRow

_STATES = list(ListingState)
_CATEGORIES: list[Category | None] = [None, *Category]
_ORIGINS: list[DecisionOrigin | None] = [None, *DecisionOrigin]
_STATE_INDEX = {s: i for i, s in enumerate(_STATES)}
_CATEGORY_INDEX = {c: i for i, c in enumerate(_CATEGORIES)}
_ORIGIN_INDEX = {o: i for i, o in enumerate(_ORIGINS)}
_INTERNED: dict[int, int] = {}
_TYPES = {t.value: t for t in IndicatorType}
RECENT_VERSIONS = 200_000  # keys whose newest applied row version is remembered (ordering of updates)


def _pack(p: Projection) -> int:
    packed = (
        _STATE_INDEX[p.state]
        | (int(p.disputed) << 3)
        | (_ORIGIN_INDEX[p.origin] << 4)
        | (_CATEGORY_INDEX[p.category] << 6)
        | (max(0, min(127, p.score)) << 11)
    )
    return _INTERNED.setdefault(packed, packed)


@dataclass(frozen=True, slots=True)
class Known:
    """What the read model knows of one indicator."""

    state: ListingState
    category: Category | None
    score: int
    disputed: bool
    origin: DecisionOrigin | None

    @property
    def listed(self) -> bool:
        return self.state is ListingState.LISTED

    @property
    def waiting(self) -> bool:
        return self.state is ListingState.REVIEW or self.disputed


def _unpack(packed: int) -> Known:
    return Known(
        _STATES[packed & 7],
        _CATEGORIES[(packed >> 6) & 31],
        packed >> 11,
        bool(packed & 8),
        _ORIGINS[(packed >> 4) & 3],
    )


def _kept(p: Projection) -> bool:
    return p.state in {ListingState.LISTED, ListingState.REVIEW} or p.disputed


class ReadModel:
    """`tracking=False` keeps only the allowlist: a one-shot command (an import of a million lines)
    needs no answers to checks and must keep its memory flat."""

    def __init__(self, *, tracking: bool = True) -> None:
        self.tracking = tracking
        self._by_type: dict[IndicatorType, dict[str, int]] = {t: {} for t in IndicatorType}
        self._allow: dict[IndicatorType, set[str]] = {t: set() for t in IndicatorType}
        self._versions: OrderedDict[IndicatorKey, int] = OrderedDict()
        self.listed: Counter[tuple[str, str]] = Counter()  # (list, category) -> entries
        self.waiting: Counter[str] = Counter()  # type -> indicators in review or disputed
        self.published_version = 0
        self._listeners: list[Callable[[IndicatorKey], None]] = []
        self._ranges = 0  # number ranges held: a phone check looks them up only when there are some

    def on_change(self, listener: Callable[[IndicatorKey], None]) -> None:
        """Called with the key of every indicator whose answer may have changed (the check cache)."""
        self._listeners.append(listener)

    # reads ---------------------------------------------------------------------------------------
    def get(self, key: IndicatorKey) -> Known | None:
        packed = self._by_type[key.type].get(key.value)
        return None if packed is None else _unpack(packed)

    def listed_range(self, e164: str) -> tuple[str, Known] | None:
        """The longest listed number range that holds `e164` (`+7701234*` holds +77012345678), if any."""
        if not self._ranges:
            return None
        phones = self._by_type[IndicatorType.PHONE]
        for end in range(len(e164) - 1, 2, -1):
            candidate = e164[:end] + "*"
            packed = phones.get(candidate)
            if packed is not None:
                known = _unpack(packed)
                if known.listed:
                    return candidate, known
        return None

    def allowed(self, key: IndicatorKey) -> bool:
        return key.value in self._allow[key.type]

    def __len__(self) -> int:
        return sum(len(d) for d in self._by_type.values())

    # writes --------------------------------------------------------------------------------------
    def load(self, chunks: Iterable[list[ProjectionRow]]) -> None:
        """Bulk load at start-up from the store's rows (no listeners, no versions: nothing is cached yet).
        Two million rows: each is packed by table lookups; `recount()` once at the end."""
        if not self.tracking:
            return
        states = {s.value: i for s, i in _STATE_INDEX.items()}
        categories = {(c.value if c else ""): i << 6 for c, i in _CATEGORY_INDEX.items()}
        origins = {(o.value if o else ""): i << 4 for o, i in _ORIGIN_INDEX.items()}
        interned = _INTERNED
        newer = {(k.type.value, k.value) for k in self._versions}  # applied while loading: newer than the load
        for chunk in chunks:
            for kind, value, state, category, score, disputed, origin in chunk:
                if newer and (kind, value) in newer:
                    continue
                packed = (
                    states[state] | (disputed << 3) | origins[origin] | categories[category] | (min(127, score) << 11)
                )
                self._by_type[_TYPES[kind]][value] = interned.setdefault(packed, packed)

    def recount(self) -> None:
        """The gauges' counts, from scratch (after a bulk load)."""
        self.listed.clear()
        self.waiting.clear()
        self._ranges = sum(1 for v in self._by_type[IndicatorType.PHONE] if v.endswith("*"))
        for kind, values in self._by_type.items():
            key = IndicatorKey(kind, "")
            for packed, n in Counter(values.values()).items():
                known = _unpack(packed)
                if known.listed:
                    self.listed[(key.list_kind.value, (known.category or Category.OTHER).value)] += n
                if known.waiting:
                    self.waiting[kind.value] += n

    def apply(self, p: Projection, row_version: int) -> bool:
        """Take an indicator's new projection at `row_version`; False when a newer one was already applied."""
        if not self.tracking:
            return True
        seen = self._versions.get(p.key)
        if seen is not None and seen >= row_version:
            return False
        self._versions[p.key] = row_version
        self._versions.move_to_end(p.key)
        if len(self._versions) > RECENT_VERSIONS:
            self._versions.popitem(last=False)
        self._set(p)
        for listener in self._listeners:
            listener(p.key)
        return True

    def set_allowed(self, key: IndicatorKey, allowed: bool) -> None:
        if allowed:
            self._allow[key.type].add(key.value)
        else:
            self._allow[key.type].discard(key.value)
        for listener in self._listeners:
            listener(key)

    def _set(self, p: Projection) -> None:
        values = self._by_type[p.key.type]
        old = values.get(p.key.value)
        if old is not None:
            self._count(p.key, _unpack(old), -1)
        if _kept(p):
            packed = _pack(p)
            values[p.key.value] = packed
            self._count(p.key, _unpack(packed), 1)
        elif old is not None:
            del values[p.key.value]

    def _count(self, key: IndicatorKey, known: Known, step: int) -> None:
        if key.type is IndicatorType.PHONE and key.value.endswith("*"):
            self._ranges += step
        if known.listed:
            list_kind: ListKind = key.list_kind
            self.listed[(list_kind.value, (known.category or Category.OTHER).value)] += step
        if known.waiting:
            self.waiting[key.type.value] += step
