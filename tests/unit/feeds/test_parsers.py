"""Feed parsers and source settings: pure, no event loop."""

from __future__ import annotations

import json

import pytest

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category, IndicatorType
from antifraud.feeds import (
    FeedFormat,
    FeedFormatError,
    FeedItem,
    FeedSource,
    certstream_names,
    parse_feed,
    parse_host_list,
    parse_new_domains,
    parse_url_list,
    parse_urlhaus_csv,
    source_from_mapping,
    sources_from_mapping,
)

URLHAUS = FeedSource(
    name="urlhaus",
    format=FeedFormat.URLHAUS_CSV,
    url="https://urlhaus.example/csv_recent/",
    trust=70,
    category=Category.MALWARE,
    categories={
        "phishing": Category.PHISHING,
        "malware_download": Category.MALWARE,
        "kaspi": Category.BANK_IMPERSONATION,
    },
)
OPENPHISH = FeedSource("openphish", FeedFormat.URL_LIST, "https://op.example/feed.txt", 80, Category.PHISHING)
HOSTS = FeedSource("partner-hosts", FeedFormat.HOST_LIST, "https://partner.example/hosts", 90, Category.PHISHING)
NRD = FeedSource("nrd", FeedFormat.NEW_DOMAINS, "https://nrd.example/today.csv", 10, Category.OTHER)

URLHAUS_CSV = """\
################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #
# Last updated: 2026-11-22 11:55:04 (UTC)                      #
#                                                              #
# Terms Of Use: https://urlhaus.abuse.ch/api/                  #
################################################################
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3070093","2026-11-22 09:22:06","http://117.209.6.221:44399/i","online","2026-11-22 09:22:06","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/3070093/","geenensp"
"3070094","2026-11-22 09:23:00","https://kaspi-bonus.kz/login?next=/pay,now","online","","phishing","kaspi,phishing","https://urlhaus.abuse.ch/url/3070094/","anonymous"
"3070095","2026-11-22 09:24:00","http://dl.bad-files.top/x.apk","offline","","malware_download","apk","https://urlhaus.abuse.ch/url/3070095/","r"
"3070096","2026-11-22 09:25:00","https://KASPI-BONUS.kz/login?next=/pay,now#frag","online","","phishing","","https://urlhaus.abuse.ch/url/3070096/","r"
"3070097","broken line
"""


def test_urlhaus_csv(suffixes):
    parsed = parse_urlhaus_csv(URLHAUS_CSV, URLHAUS, suffixes)
    assert [(i.type, i.value, i.category) for i in parsed.items] == [
        (IndicatorType.URL, "https://kaspi-bonus.kz/login?next=/pay,now", Category.BANK_IMPERSONATION),
        (IndicatorType.URL, "http://dl.bad-files.top/x.apk", Category.MALWARE),
    ]
    assert all(i.source == "urlhaus" and i.trust == 70 for i in parsed.items)
    assert parsed.duplicates == 1  # the same URL, upper-cased host and a fragment
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert "IP address" in reasons[8]  # the center lists names; the IP URL is rejected, not crashed on
    assert "expected at least 3 columns" in reasons[12]


def test_urlhaus_without_a_header_uses_the_standard_columns(suffixes):
    text = '"1","2026-11-22","https://halyk-prize.com/","online","","phishing","","",""\n'
    [item] = parse_urlhaus_csv(text, URLHAUS, suffixes).items
    assert item.category is Category.PHISHING


def test_urlhaus_header_with_other_column_order(suffixes):
    text = "# url,threat\nhttps://egov-kz.info/,phishing\n"
    [item] = parse_urlhaus_csv(text, URLHAUS, suffixes).items
    assert (item.value, item.category) == ("https://egov-kz.info/", Category.PHISHING)


def test_url_list(suffixes):
    text = "# OpenPhish\n\nhttps://kaspi-bonus.kz/login\nhttp://kaspi-bonus.kz:80/login\nnot a url\nftp://x.kz/\n"
    parsed = parse_url_list(text, OPENPHISH, suffixes)
    assert [i.value for i in parsed.items] == ["https://kaspi-bonus.kz/login", "http://kaspi-bonus.kz/login"]
    assert parsed.duplicates == 0
    assert [r.line for r in parsed.rejected] == [5, 6]
    assert "scheme 'ftp'" in parsed.rejected[1].reason


def test_host_list_plain_and_hosts_file_forms(suffixes):
    text = (
        "# partner list\n"
        "kaspi-bonus.kz\n"
        "0.0.0.0 halyk-prize.com www.halyk-prize.com  # two names on one line\n"
        "127.0.0.1 localhost\n"
        "КАСПИ-бонус.kz\n"
        "kaspi-bonus.kz.\n"
        "-bad-.kz\n"
    )
    parsed = parse_host_list(text, HOSTS, suffixes)
    assert [i.value for i in parsed.items] == [
        "kaspi-bonus.kz",
        "halyk-prize.com",
        "www.halyk-prize.com",
        "xn----7sbe0aiwgergv.kz",
    ]
    assert all(i.type is IndicatorType.DOMAIN and i.category is Category.PHISHING for i in parsed.items)
    assert parsed.duplicates == 1
    assert [r.line for r in parsed.rejected] == [7]


def test_new_domains_with_extra_columns_and_a_header(suffixes):
    text = 'domain,created\nkaspi-kz-bonus.com,2026-11-21\nhalyk-invest.top\t2026-11-21\n"bcc-cashback.kz",x\n'
    parsed = parse_new_domains(text, NRD, suffixes)
    assert [i.value for i in parsed.items] == ["kaspi-kz-bonus.com", "halyk-invest.top", "bcc-cashback.kz"]
    assert all(i.trust == 10 for i in parsed.items)


def test_parse_feed_dispatches_and_refuses_streams(suffixes):
    assert parse_feed("kaspi-bonus.kz\n", NRD, suffixes).items[0].value == "kaspi-bonus.kz"
    stream = FeedSource("ct", FeedFormat.CERTSTREAM, "wss://ct.example/", 20, Category.OTHER)
    with pytest.raises(FeedFormatError, match="a stream"):
        parse_feed("", stream, suffixes)


def test_many_bad_lines_are_counted_but_kept_bounded(suffixes):
    parsed = parse_url_list("ftp://x.kz/\n" * 5000, OPENPHISH, suffixes)
    assert parsed.items == ()
    assert len(parsed.rejected) == 1000


def certificate_update(*names):
    return json.dumps(
        {
            "message_type": "certificate_update",
            "data": {"update_type": "X509LogEntry", "leaf_cert": {"all_domains": list(names), "subject": {}}},
        }
    )


def test_certstream_names():
    message = certificate_update("*.kaspi-bonus.kz", "kaspi-bonus.kz", "WWW.Kaspi-Bonus.kz.", 7)
    assert certstream_names(message) == ("kaspi-bonus.kz", "www.kaspi-bonus.kz")
    assert certstream_names(message.encode()) == ("kaspi-bonus.kz", "www.kaspi-bonus.kz")


def test_certstream_heartbeats_and_other_messages_yield_nothing():
    assert certstream_names('{"message_type": "heartbeat", "timestamp": 1764000000.0}') == ()
    assert certstream_names("[]") == ()


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("not json", "not JSON"),
        ('{"message_type": "certificate_update", "data": {}}', "missing 'leaf_cert'"),
        ('{"message_type": "certificate_update", "data": {"leaf_cert": {"all_domains": "x"}}}', "not a list"),
    ],
)
def test_certstream_malformed_messages(message, error):
    with pytest.raises(FeedFormatError, match=error):
        certstream_names(message)


def test_feed_item_json_round_trip():
    item = FeedItem(IndicatorType.URL, "https://kaspi-bonus.kz/", Category.PHISHING, "openphish", 80)
    assert FeedItem.from_json(item.to_json()) == item
    with pytest.raises(FeedFormatError, match="not a feed item"):
        FeedItem.from_json({"type": "fax", "value": "x"})


def test_sources_from_settings():
    [source] = sources_from_mapping(
        {
            "feed": [
                {
                    "name": "urlhaus",
                    "format": "urlhaus_csv",
                    "url": "https://urlhaus.example/csv/",
                    "trust": 70,
                    "category": "malware",
                    "categories": {"Phishing": "phishing"},
                    "interval_seconds": 300,
                }
            ]
        }
    )
    assert source.categories == {"phishing": Category.PHISHING}
    assert source.category_for(["PHISHING"]) is Category.PHISHING
    assert source.category_for(["elf"]) is Category.MALWARE
    assert source.interval_seconds == 300


BASE = {"name": "x", "format": "url_list", "url": "https://x.example/", "category": "phishing"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Bad Name"}, "must be 1-64 lower-case"),
        ({"format": "rss"}, "format 'rss' is not one of"),
        ({"url": "ftp://x/"}, "must start with http:// or https://"),
        ({"format": "certstream", "url": "https://x/"}, "must start with ws:// or wss://"),
        ({"trust": 101}, "trust must be a whole number from 0 to 100"),
        ({"category": "spam"}, "unknown category 'spam'"),
        ({"categories": {"tag": "spam"}}, r"categories.tag: unknown category"),
        ({"interval_seconds": 1}, "interval_seconds must be at least 10"),
    ],
)
def test_source_errors_name_the_key(changes, message):
    with pytest.raises(ConfigError, match=message):
        source_from_mapping(BASE | changes)


def test_duplicate_feed_names():
    with pytest.raises(ConfigError, match="repeated: x"):
        sources_from_mapping({"feed": [BASE, BASE]})
