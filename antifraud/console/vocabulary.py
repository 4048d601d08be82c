"""The words of the center the console shows translated: states, types, categories, actions, link
relations, evidence sources and facts. Marked here so that Babel extracts them; templates translate
a value with the `term` filter, which translates only these (any other text, such as a key found in
a site's evidence, is shown as it is, escaped: translating it would mark it safe)."""

from __future__ import annotations

from antifraud.console.errors import N_

TERMS: frozenset[str] = frozenset(
    {
        # listing states
        N_("candidate"), N_("review"), N_("listed"), N_("expired"), N_("delisted"),
        # indicator types
        N_("domain"), N_("url"), N_("phone"), N_("wallet"),
        # categories
        N_("phishing"), N_("investment_scam"), N_("pyramid"), N_("illegal_exchange"), N_("money_laundering"),
        N_("bank_impersonation"), N_("spoofed_call"), N_("wangiri"), N_("sms_scam"), N_("fake_shop"),
        N_("malware"), N_("other"),
        # actions and origins
        N_("block"), N_("allow"), N_("unlist"), N_("auto"), N_("analyst"), N_("admin"),
        # publication changes
        N_("add"), N_("update"), N_("remove"),
        # link relations
        N_("advertised_on"), N_("redirects_to"), N_("links_to"),
        # evidence sources and facts
        N_("dns"), N_("crawl"), N_("liveness"), N_("title"), N_("final_url"), N_("status"), N_("address"),
        N_("addresses"), N_("redirects"), N_("tls"), N_("outcome"), N_("registration"), N_("nameservers"),
        N_("cnames"), N_("ttl"), N_("wildcard"), N_("name"), N_("detail"), N_("dead_since"), N_("last_alive"),
        N_("expired_as_dead"),
        # search
        N_("value"), N_("prefix"), N_("brand"),
    }
)  # fmt: skip
