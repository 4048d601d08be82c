"""What the center learns from web pages, and the pure decisions of fetching them safely.

Pure and synchronous (no I/O, no asyncio, no clock): the address guard, the crawl plan the async
crawler in `workers.crawl` drives, body decoding under caps, and the page analysis that turns
HTML into signals, phone numbers, wallets and links.
"""

from antifraud.content.addresses import AddressGuard, AddressKind, Refusal, classify, parse_networks
from antifraud.content.analysis import MessengerLink, PageAnalyser, PageFindings, analyse_page
from antifraud.content.fetch import CrawlLimits, CrawlPlan, CrawlResult, FetchOutcome, Hop
from antifraud.content.lexicon import ContentLexicon, LureGroup, parse_content_lexicon
from antifraud.content.target import BadTarget, Target, parse_target
from antifraud.content.tls import TlsFacts, tls_facts
from antifraud.content.wallets import Chain, Wallet, find_wallets

__all__ = [
    "AddressGuard",
    "AddressKind",
    "BadTarget",
    "Chain",
    "ContentLexicon",
    "CrawlLimits",
    "CrawlPlan",
    "CrawlResult",
    "FetchOutcome",
    "Hop",
    "LureGroup",
    "MessengerLink",
    "PageAnalyser",
    "PageFindings",
    "Refusal",
    "Target",
    "TlsFacts",
    "Wallet",
    "analyse_page",
    "classify",
    "find_wallets",
    "parse_content_lexicon",
    "parse_networks",
    "parse_target",
    "tls_facts",
]
