"""The public suffix list from tldextract's bundled snapshot: offline, never downloaded.

tldextract supplies and parses the list; the lookup is ours. Calling a `TLDExtract` per name costs
about 8 µs (it re-validates and re-decodes every label); a longest-match walk over a few hash sets
costs about 1 µs, which is most of what makes `antifraud score` fast enough to triage a day of new
registrations in seconds. The rules are kept in ASCII (punycode) because normalized names are.
"""

from __future__ import annotations

import pkgutil

import idna
from tldextract.suffix_list import extract_tlds_from_suffix_list

from antifraud.domain.errors import ConfigError
from antifraud.domain.normalize import SuffixSplit

_SNAPSHOT = ".tld_set_snapshot"  # the list tldextract ships inside its wheel


def _ascii_rule(rule: str) -> str | None:
    """A rule in the form normalized names use; None for the rare rule IDNA 2008 rejects."""
    if rule.isascii():
        return rule.lower()
    labels = []
    for label in rule.split("."):
        if label in {"*", ""} or label.startswith("!"):
            labels.append(label)
            continue
        try:
            labels.append(idna.encode(label, uts46=True).decode("ascii"))
        except idna.IDNAError:
            return None
    return ".".join(labels)


class BundledSuffixList:
    """The suffix list with its private part (hosting platforms are split per tenant).

    Implements the list's algorithm: the longest matching rule wins, `*.x` makes every label under
    `x` a suffix, and `!y.x` exempts `y.x` from that wildcard. Names under no rule get an empty
    suffix (unknown top-level domain), as tldextract does, rather than the list's implicit `*`.
    """

    def __init__(self, suffix_list_text: str | None = None) -> None:
        if suffix_list_text is None:
            data = pkgutil.get_data("tldextract", _SNAPSHOT)
            if data is None:
                raise ConfigError(f"tldextract's bundled suffix list ({_SNAPSHOT}) is missing; reinstall tldextract")
            suffix_list_text = data.decode("utf-8")
        public, private = extract_tlds_from_suffix_list(suffix_list_text)
        self._exact: dict[str, bool] = {}  # suffix -> from the private part
        self._wildcard: dict[str, bool] = {}  # parent of a `*.` rule -> private
        self._exception: set[str] = set()
        # Every tail of every rule: while a candidate is one, a longer rule may still match.
        self._tails: set[str] = set()
        for rules, is_private in ((public, False), (private, True)):
            for raw in rules:
                rule = _ascii_rule(raw)
                if rule is None:
                    continue
                if rule.startswith("!"):
                    rule = rule[1:]
                    self._exception.add(rule)
                elif rule.startswith("*."):
                    rule = rule[2:]
                    self._wildcard.setdefault(rule, is_private)
                else:
                    self._exact.setdefault(rule, is_private)
                labels = rule.split(".")
                self._tails.update(".".join(labels[i:]) for i in range(len(labels)))

    def split(self, ascii_name: str) -> SuffixSplit:
        exact, wildcard, tails = self._exact, self._wildcard, self._tails
        dot = ascii_name.find(".")
        if dot > 0 and ascii_name.find(".", dot + 1) < 0:
            # `label.tld`, most of any feed: decided by two look-ups unless a longer rule could apply.
            tld = ascii_name[dot + 1 :]
            is_private = exact.get(tld)
            if is_private is not None and ascii_name not in tails and tld not in wildcard:
                return SuffixSplit(subdomain="", label=ascii_name[:dot], suffix=tld, private=is_private)
        suffix_at = -1  # index in ascii_name where the matched suffix starts
        private = False
        end = len(ascii_name)
        parent = ""
        while True:
            dot = ascii_name.rfind(".", 0, end)
            start = dot + 1
            candidate = ascii_name[start:]
            if candidate in self._exception:
                # `!city.kawasaki.jp`: the exception is registrable; its parent is the suffix.
                suffix_at, private = end + 1, wildcard.get(parent, False)
                break
            is_private = exact.get(candidate)
            if is_private is not None:
                suffix_at, private = start, is_private
            elif parent and parent in wildcard:
                suffix_at, private = start, wildcard[parent]
            if dot < 0 or (candidate not in tails and candidate not in wildcard):
                break
            parent = candidate
            end = dot
        if suffix_at < 0:
            dot = ascii_name.rfind(".")
            return SuffixSplit(
                subdomain=ascii_name[:dot] if dot > 0 else "", label=ascii_name[dot + 1 :], suffix="", private=False
            )
        if suffix_at == 0:
            return SuffixSplit(subdomain="", label="", suffix=ascii_name, private=private)
        head = ascii_name[: suffix_at - 1]
        dot = head.rfind(".")
        return SuffixSplit(
            subdomain=head[:dot] if dot >= 0 else "",
            label=head[dot + 1 :],
            suffix=ascii_name[suffix_at:],
            private=private,
        )
