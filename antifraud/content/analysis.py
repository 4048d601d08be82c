"""Page analysis: what a crawled page says about the site. HTML text in, signals and indicators out.

Pure and deterministic. It finds login, password and card forms, forms that post to other sites,
protected brands named on a page that is not theirs, Russian/Kazakh/English lure vocabulary,
crypto wallets, crypto-exchange pages off the registry of licensed exchanges, messenger links, and
the phone numbers the page advertises, which the center
tracks as phone indicators linked to the site (one evidence graph for sites and calls).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs

import phonenumbers

from antifraud.content.exchanges import ExchangeRegistry
from antifraud.content.html import Form, ParsedPage, parse_html
from antifraud.content.lexicon import ContentLexicon, LureGroup, fold, term_pattern
from antifraud.content.wallets import Wallet, find_wallets
from antifraud.domain.brands import Brand
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import Category, Signal
from antifraud.domain.normalize import SuffixList, normalize_domain, normalize_phone
from antifraud.domain.urls import InvalidUrl, WebUrl, parse_reported_url, resolve_reference

W_BRAND_LOGIN = 50  # credentials asked for on a page naming a brand it does not belong to
W_BRAND_IN_TITLE = 15
W_BRAND_NAMED = 10
W_PASSWORD_FORM = 15
W_CARD_FORM = 25
W_CREDENTIALS_OFFSITE = 35  # a password or card form whose data goes to another site
W_FORM_OFFSITE = 15
W_LURE_CAP = 40  # vocabulary alone reaches review, never block: warning pages use the same words
W_WALLETS = 15
W_WALLETS_WITH_INVESTMENT = 25
W_MESSENGER = 5
W_MESSENGER_FOR_BRAND = 15  # a bank does not move its customers to a Telegram chat
W_PHONES = 0  # evidence that links the numbers to the site; the numbers are assessed on their own
MIN_EXCHANGE_PHRASES = 2  # one mention of buying bitcoin is news; rates, P2P and "обмен USDT" together are a desk

MIN_KEYWORD_LENGTH = 5  # shorter brand keywords ("egov") are common inside other words
MAX_PHONES = 50
MAX_LINKS = 200

_CARD_WORDS = re.compile(r"cc-number|cc-csc|cc-exp|one-time-code|card|cvv|cvc|карт|expir|срок действия|otp|sms|смс")
_INVESTMENT_GROUPS = frozenset({Category.INVESTMENT_SCAM, Category.PYRAMID})
# Categories that say more than "an exchange": what a page that also trades crypto is listed under.
_SCHEMES = frozenset({Category.PHISHING, Category.BANK_IMPERSONATION, Category.INVESTMENT_SCAM, Category.PYRAMID})


def _resolve(base: str, reference: str) -> WebUrl | None:
    """Where a link on the page takes a visitor, as the browser resolves it; None when nowhere."""
    try:
        return resolve_reference(base, reference)
    except InvalidUrl:
        return None


def _typed(text: str) -> WebUrl | None:
    """A URL written in the page's text, where the scheme is often left out."""
    try:
        return parse_reported_url(text)
    except InvalidUrl:
        return None


@dataclass(frozen=True, slots=True)
class MessengerLink:
    messenger: str  # telegram, whatsapp, viber...
    url: str


@dataclass(frozen=True, slots=True)
class PageFindings:
    url: str
    title: str | None
    signals: tuple[Signal, ...]
    phones: tuple[str, ...]  # E.164: numbers the page advertises, to become phone indicators
    official_phones: tuple[str, ...]  # protected brands' own numbers shown on the page (never blocked)
    wallets: tuple[Wallet, ...]
    messenger_links: tuple[MessengerLink, ...]
    links: tuple[str, ...]  # absolute links to other sites
    form_targets: tuple[str, ...]  # other sites the page's forms post to
    brands: tuple[str, ...]  # protected brands named on a page that is not theirs
    refresh_url: str | None  # where a <meta refresh> sends the visitor
    category: Category | None  # what the evidence points to, if anything

    @property
    def weight(self) -> int:
        return sum(s.weight for s in self.signals)


@dataclass(frozen=True, slots=True)
class _BrandMatcher:
    brand: Brand
    pattern: re.Pattern[str]


def _brand_phrases(brand: Brand, lexicon: ContentLexicon) -> list[str]:
    phrases = {fold(brand.name)}
    short_name = brand.name.split(" (", 1)[0]  # "eGov (Electronic Government ...)" is called "eGov"
    if len(short_name) >= MIN_KEYWORD_LENGTH - 1:
        phrases.add(fold(short_name))
    phrases.update(k for k in brand.keywords if len(k) >= MIN_KEYWORD_LENGTH)
    phrases.update(brand.domains)
    phrases.update(lexicon.brand_names.get(brand.name, ()))
    return sorted(phrases, key=len, reverse=True)


class PageAnalyser:
    """Built once per brands file and lexicon (it compiles their patterns); `analyse` is cheap to call."""

    def __init__(
        self,
        brands: Sequence[Brand],
        lexicon: ContentLexicon,
        suffixes: SuffixList,
        *,
        phone_region: str = "KZ",
        max_text: int = 300_000,
        exchanges: ExchangeRegistry | None = None,
    ) -> None:
        self.lexicon = lexicon
        # Without a registry every exchange page is unlicensed: the center passes config/exchanges.toml.
        self.exchanges = exchanges or ExchangeRegistry()
        self.suffixes = suffixes
        self.phone_region = phone_region
        self.max_text = max_text
        self.brands = tuple(brands)
        self._matchers = tuple(
            _BrandMatcher(b, re.compile("|".join(term_pattern(p) for p in _brand_phrases(b, lexicon))))
            for b in self.brands
        )
        self._official_phones = {p for b in self.brands for p in b.phones}
        hosts = "|".join(re.escape(h) for h in sorted(lexicon.messenger_hosts, key=len, reverse=True))
        self._messenger_in_text = (
            re.compile(rf"(?<![\w.-])(?:https?://)?(?:www\.)?(?:{hosts})/[\w+@./?=&%-]+", re.IGNORECASE)
            if hosts
            else None
        )

    # --- helpers ---------------------------------------------------------------------------------

    def _site(self, host: str) -> str:
        """The registrable domain a host belongs to, or the host itself (an IP, say)."""
        try:
            return normalize_domain(host, self.suffixes).registered
        except InvalidIndicator:
            return host.lower()

    def _official_for(self, host: str) -> Brand | None:
        for brand in self.brands:
            for domain in (*brand.domains, *brand.suffixes):  # a state body under gov.kz names other bodies
                if host == domain or host.endswith("." + domain):
                    return brand
        return None

    # --- the parts -------------------------------------------------------------------------------

    def _named_brands(self, page: ParsedPage, host: str) -> tuple[list[Brand], set[str]]:
        if self._official_for(host) is not None:
            return [], set()  # the brands' own sites name each other: partners, not impersonation
        body = fold(f"{page.text}\n{page.attribute_text}")
        title = fold(page.title or "")
        named: list[Brand] = []
        in_title: set[str] = set()
        for matcher in self._matchers:
            if matcher.pattern.search(title):
                named.append(matcher.brand)
                in_title.add(matcher.brand.name)
            elif matcher.pattern.search(body):
                named.append(matcher.brand)
        return named, in_title

    def _form_target(self, form: Form, base: str) -> str | None:
        """The host a form posts to, when that is another site."""
        if not form.action:
            return None
        url = _resolve(base, form.action)
        if url is None:
            return None
        if url.scheme in {"mailto", "data", "javascript"}:
            return url.scheme
        if url.scheme not in {"http", "https"} or not url.host:
            return None
        return url.name

    @staticmethod
    def _asks_card(form: Form) -> bool:
        return any(f.kind != "hidden" and _CARD_WORDS.search(f.words) for f in form.fields)

    def _forms(self, page: ParsedPage, base: str, site: str) -> tuple[list[Signal], list[str], bool, Category | None]:
        signals: list[Signal] = []
        targets: list[str] = []
        credentials = False
        password_forms = [f for f in page.forms if f.has_password]
        card_forms = [f for f in page.forms if self._asks_card(f)]
        if password_forms:
            credentials = True
            names = ", ".join(sorted({f.name or f.kind for f in password_forms[0].fields if f.kind != "hidden"})[:6])
            signals.append(Signal("page_password_form", W_PASSWORD_FORM, f"the page has a password form ({names})"))
        if card_forms:
            credentials = True
            asked = ", ".join(
                sorted({fld.label or fld.name for fld in card_forms[0].fields if fld.kind != "hidden"})[:6]
            )
            signals.append(
                Signal("page_card_form", W_CARD_FORM, f"the page asks for card or SMS-code details ({asked})")
            )
        for form in page.forms:
            target = self._form_target(form, base)
            if target is None or target in targets:
                continue
            if target in {"mailto", "data", "javascript"}:
                where = f"a {target}: address"
            elif self._site(target) != site:
                where = target
            else:
                continue
            targets.append(target)
            if form.has_password or self._asks_card(form):
                detail = f"the credentials form posts to another site: {where}"
                signals.append(Signal("page_credentials_offsite", W_CREDENTIALS_OFFSITE, detail))
            else:
                signals.append(Signal("page_form_offsite", W_FORM_OFFSITE, f"a form posts to another site: {where}"))
        # A password form alone is any site's sign-up; card details, or credentials sent elsewhere, are phishing.
        phishing = bool(card_forms) or any(s.name == "page_credentials_offsite" for s in signals)
        return signals, targets, credentials, Category.PHISHING if phishing else None

    def _exchange(self, folded: str, host: str) -> Signal | None:
        """A crypto-exchange page off the registry of licensed exchanges: an illegal exchange, for review."""
        group = self.lexicon.exchange
        if group is None:
            return None
        phrases = group.matches(folded)
        if len(phrases) < MIN_EXCHANGE_PHRASES or self.exchanges.licensed(host) is not None:
            return None
        quoted = ", ".join(f"«{p}»" for p in phrases[:3])
        detail = f"the page {group.says} ({quoted}) but {host} is not in the registry of licensed exchanges"
        return Signal("page_crypto_exchange", group.weight, detail)

    def _lures(self, folded: str) -> list[tuple[LureGroup, tuple[str, ...]]]:
        return [(g, found) for g in self.lexicon.lures if (found := g.matches(folded))]

    def _phones(self, page: ParsedPage, messenger_urls: Iterable[str]) -> list[str]:
        found: list[str] = []

        def keep(e164: str) -> None:
            if e164 not in found and len(found) < MAX_PHONES:
                found.append(e164)

        text = f"{page.text}\n{page.attribute_text}"[: self.max_text]
        for match in phonenumbers.PhoneNumberMatcher(
            text, self.phone_region, leniency=phonenumbers.Leniency.VALID, max_tries=MAX_PHONES * 4
        ):
            keep(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
        candidates = [h[4:] for h in page.links if h.lower().startswith("tel:")]
        for url in messenger_urls:  # wa.me/77011234567, api.whatsapp.com/send?phone=77011234567
            parsed = _typed(url)
            if parsed is None:
                continue
            if parsed.name.endswith("whatsapp.com"):
                candidates.extend(parse_qs(parsed.query).get("phone", []))
            elif parsed.name.endswith("wa.me"):
                candidates.append(parsed.path.strip("/").split("/")[0])
        for raw in candidates:
            digits = raw.strip()
            if digits.isdigit() and len(digits) > 10:
                digits = "+" + digits  # wa.me numbers are international without the '+'
            try:
                phone = normalize_phone(digits, self.phone_region)
            except InvalidIndicator:
                continue
            if phone.valid and not phone.is_short_code:
                keep(phone.e164)
        return found

    def _messengers(self, page: ParsedPage, base: str) -> list[MessengerLink]:
        links: dict[str, MessengerLink] = {}
        for href in page.links:
            scheme, _, _ = href.partition(":")
            messenger = self.lexicon.messenger_schemes.get(scheme.lower())
            url = href.strip()
            if messenger is None:
                resolved = _resolve(base, url)
                if resolved is None:
                    continue
                url = resolved.url
                messenger = self.lexicon.messenger_hosts.get(resolved.name.removeprefix("www."))
            if messenger is not None:
                links.setdefault(url, MessengerLink(messenger, url))
        if self._messenger_in_text is not None:
            for match in self._messenger_in_text.finditer(page.text):
                url = match.group(0).rstrip(".,)")
                parsed = _typed(url)
                host = parsed.name.removeprefix("www.") if parsed is not None else ""
                messenger = self.lexicon.messenger_hosts.get(host)
                if messenger is not None:
                    links.setdefault(url, MessengerLink(messenger, url))
        return list(links.values())

    def _outbound(self, page: ParsedPage, base: str, site: str) -> list[str]:
        links: list[str] = []
        for href in page.links:
            parsed = _resolve(base, href)
            if (
                parsed is not None
                and parsed.scheme in {"http", "https"}
                and parsed.host
                and self._site(parsed.name) != site
            ):
                url = parsed.url  # without the fragment, and without credentials a link may carry
                if url not in links:
                    links.append(url)
                    if len(links) >= MAX_LINKS:
                        break
        return links

    # --- the whole page ---------------------------------------------------------------------------

    def analyse(self, html: str, page_url: str) -> PageFindings:
        page = parse_html(html, max_text=self.max_text)
        page_location = _typed(page_url)
        host = page_location.name if page_location is not None else ""
        site = self._site(host)
        base_url = _resolve(page_url, page.base_href) if page.base_href else None
        base = base_url.url if base_url is not None else page_url  # browsers ignore a <base> they cannot parse
        signals, targets, credentials, category = self._forms(page, base, site)
        weights: dict[str, tuple[int, Category | None]] = {}

        named, in_title = self._named_brands(page, host)
        if named:
            shown = ", ".join(b.name for b in named[:3])
            official = ", ".join(d for b in named[:3] for d in b.domains[:1]) or "none of their official domains"
            if credentials:
                detail = f"credentials are asked for on a page naming {shown}, which is not on {official}"
                signals.append(Signal("page_brand_login", W_BRAND_LOGIN, detail))
                category = Category.PHISHING
            else:
                where = " in its title" if in_title else ""
                weight = W_BRAND_IN_TITLE if in_title else W_BRAND_NAMED
                detail = f"the page names {shown}{where} but is not on {official}"
                signals.append(Signal("page_brand_named", weight, detail))

        folded = fold(f"{page.title or ''}\n{page.text}\n{page.attribute_text}")
        budget = W_LURE_CAP
        investment = False
        for group, phrases in sorted(self._lures(folded), key=lambda gp: -gp[0].weight):
            weight = min(group.weight, budget)
            budget -= weight
            investment = investment or group.category in _INVESTMENT_GROUPS
            quoted = ", ".join(f"«{p}»" for p in phrases[:3])
            signals.append(Signal(f"page_lure_{group.name}", weight, f"the page {group.says}: {quoted}"))
            weights[group.name] = (weight, group.category)
        if category is None and weights:
            category = max(weights.values(), key=lambda wc: wc[0])[1]

        exchange = self._exchange(folded, host)
        if exchange is not None:
            signals.append(exchange)
            if category not in _SCHEMES:
                category = Category.ILLEGAL_EXCHANGE

        wallets = find_wallets(f"{page.text}\n{page.attribute_text}")
        if wallets:
            shown_wallets = ", ".join(str(w) for w in wallets[:3])
            weight = W_WALLETS_WITH_INVESTMENT if investment else W_WALLETS
            count = f"{len(wallets)} crypto wallet address{'es' if len(wallets) > 1 else ''}"
            signals.append(Signal("page_crypto_wallets", weight, f"the page shows {count}: {shown_wallets}"))
            category = category or Category.INVESTMENT_SCAM

        messengers = self._messengers(page, base)
        if messengers:
            kinds = ", ".join(sorted({m.messenger for m in messengers}))
            impersonating = bool(named) or "bank_security_service" in weights
            weight = W_MESSENGER_FOR_BRAND if impersonating else W_MESSENGER
            signals.append(Signal("page_messenger_links", weight, f"the page sends visitors to {kinds} chats"))

        all_phones = self._phones(page, [m.url for m in messengers])
        phones = [p for p in all_phones if p not in self._official_phones]
        official_phones = [p for p in all_phones if p in self._official_phones]
        if phones:
            shown_phones = ", ".join(phones[:5]) + (f" and {len(phones) - 5} more" if len(phones) > 5 else "")
            signals.append(Signal("page_phone_numbers", W_PHONES, f"the page advertises {shown_phones}"))

        refresh_target = _resolve(base, page.refresh_url) if page.refresh_url else None
        refresh = refresh_target.url if refresh_target is not None else None
        return PageFindings(
            url=page_url,
            title=page.title,
            signals=tuple(signals),
            phones=tuple(phones),
            official_phones=tuple(official_phones),
            wallets=wallets,
            messenger_links=tuple(messengers),
            links=tuple(self._outbound(page, base, site)),
            form_targets=tuple(targets),
            brands=tuple(b.name for b in named),
            refresh_url=refresh,
            category=category,
        )


def analyse_page(
    html: str, page_url: str, *, brands: Sequence[Brand], lexicon: ContentLexicon, suffixes: SuffixList
) -> PageFindings:
    """One page, once. To analyse many, build a PageAnalyser once and call `analyse`."""
    return PageAnalyser(brands, lexicon, suffixes).analyse(html, page_url)
