"""The crawl plan without any I/O: each test drives it by hand, as the crawler would."""

import pytest

from antifraud.content.addresses import AddressGuard, AddressKind
from antifraud.content.fetch import (
    BodyRead,
    Connect,
    CrawlLimits,
    CrawlPlan,
    Done,
    Failed,
    FetchOutcome,
    PlanMisuseError,
    ReadBody,
    Resolve,
    Resolved,
    ResolveFailed,
    Responded,
)

PUBLIC = AddressGuard()


def test_resolve_vet_connect_read_ok():
    plan = CrawlPlan("https://kaspi-bonus.kz/login", PUBLIC)
    assert plan.next_step() == Resolve("kaspi-bonus.kz")
    plan.record(Resolved(("203.0.113.7", "95.59.170.1")))  # one documentation address among them
    step = plan.next_step()
    assert isinstance(step, Done)
    assert step.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert "203.0.113.7" in step.detail

    plan = CrawlPlan("https://kaspi-bonus.kz/login", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    step = plan.next_step()
    assert isinstance(step, Connect)
    assert step.addresses == ("95.59.170.1",)
    assert step.target.url == "https://kaspi-bonus.kz/login"
    plan.record(Responded(200, "95.59.170.1"))
    assert isinstance(plan.next_step(), ReadBody)
    plan.record(BodyRead(100, 300))
    assert plan.next_step() == Done(FetchOutcome.OK, "HTTP 200, 300 bytes")
    assert plan.final is not None
    assert plan.final.address == "95.59.170.1"


def test_non_2xx_is_http_error_but_the_body_is_still_read():
    plan = CrawlPlan("http://95.59.170.1/", PUBLIC)
    assert isinstance(plan.next_step(), Connect)  # an IP literal needs no lookup
    plan.record(Responded(404, "95.59.170.1"))
    assert isinstance(plan.next_step(), ReadBody)
    plan.record(BodyRead(10, 10))
    assert plan.next_step().outcome is FetchOutcome.HTTP_ERROR


def test_ip_literal_internal_is_refused_without_any_step():
    plan = CrawlPlan("http://0x7f.1/admin", PUBLIC)
    step = plan.next_step()
    assert isinstance(step, Done)
    assert step.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert plan.refusal is not None
    assert plan.refusal.kind is AddressKind.LOOPBACK


def test_redirects_are_checked_hop_by_hop():
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", "http://b.kz/next"))
    assert plan.next_step() == Resolve("b.kz")
    plan.record(Resolved(("169.254.169.254",)))
    step = plan.next_step()
    assert isinstance(step, Done)
    assert step.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert "b.kz resolves to 169.254.169.254" in step.detail
    assert [h.url for h in plan.redirects] == ["http://a.kz/"]


def test_redirect_to_an_internal_literal_is_refused():
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(301, "95.59.170.1", "http://[::ffff:169.254.169.254]/latest/meta-data/"))
    assert plan.next_step().outcome is FetchOutcome.BLOCKED_ADDRESS


def test_a_host_is_resolved_once_per_crawl():
    plan = CrawlPlan("http://a.kz/1", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", "/2"))
    step = plan.next_step()
    assert isinstance(step, Connect), "the second hop to the same host must reuse the vetted answer"
    assert step.addresses == ("95.59.170.1",)
    assert step.hop == 1


def test_redirect_cap_and_loop():
    plan = CrawlPlan("http://a.kz/0", PUBLIC, CrawlLimits(max_redirects=2))
    plan.record(Resolved(("95.59.170.1",)))
    for n in range(1, 4):
        plan.record(Responded(302, "95.59.170.1", f"/{n}"))
    step = plan.next_step()
    assert step.outcome is FetchOutcome.TOO_MANY_REDIRECTS
    assert "more than 2 redirects" in step.detail
    assert len(plan.redirects) == 3

    plan = CrawlPlan("http://a.kz/0", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", "/1"))
    plan.record(Responded(307, "95.59.170.1", "http://A.KZ:80/0#x"))
    assert plan.next_step().outcome is FetchOutcome.REDIRECT_LOOP


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "gopher://a.kz/", "http://b.kz:99999/", "http://[fe80::1%25eth0]/", "http://a b/"],
)
def test_redirect_to_a_bad_url_stops(location):
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", location))
    step = plan.next_step()
    assert step.outcome is FetchOutcome.INVALID_URL
    assert location[:20] in step.detail


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("http://a.kz\\@10.0.0.1/", "a.kz"),  # the backslash ends the host: a path on a.kz
        ("\\\\b.kz\\x", "b.kz"),  # a browser reads this as //b.kz/x, not as a path
        ("/\\b.kz/", "b.kz"),
        ("http://b.kz\t/", "b.kz"),
    ],
)
def test_redirects_go_where_a_browser_goes(location, host):
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", location))
    step = plan.next_step()
    assert isinstance(step, Resolve | Connect)
    assert plan.target is not None
    assert plan.target.host == host


def test_a_backslashed_redirect_to_an_internal_address_is_refused():
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", "\\\\0x7f.1\\admin"))
    step = plan.next_step()
    assert step.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert plan.refusal is not None
    assert plan.refusal.address == "127.0.0.1"


def test_a_3xx_without_location_is_final():
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Responded(302, "95.59.170.1", None))
    assert isinstance(plan.next_step(), ReadBody)


def test_failures_end_the_plan_with_their_outcome():
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(ResolveFailed("a.kz does not exist (NXDOMAIN)"))
    assert plan.next_step() == Done(FetchOutcome.DNS_ERROR, "resolving a.kz: a.kz does not exist (NXDOMAIN)")
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(ResolveFailed("slow", timed_out=True))
    assert plan.next_step().outcome is FetchOutcome.TIMEOUT
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(()))
    assert plan.next_step().outcome is FetchOutcome.DNS_ERROR
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    plan.record(Resolved(("95.59.170.1",)))
    plan.record(Failed(FetchOutcome.TLS_ERROR, "self-signed"))
    assert plan.next_step() == Done(FetchOutcome.TLS_ERROR, "self-signed")


def test_invalid_url_is_done_at_once():
    step = CrawlPlan("javascript:alert(1)", PUBLIC).next_step()
    assert step.outcome is FetchOutcome.INVALID_URL


def test_recording_out_of_turn_is_a_driver_bug():
    plan = CrawlPlan("http://a.kz/", PUBLIC)
    with pytest.raises(PlanMisuseError, match="Responded while the step was Resolve"):
        plan.record(Responded(200, None))


def test_limits_are_validated():
    with pytest.raises(ValueError, match="total_seconds must be positive"):
        CrawlLimits(total_seconds=0)
    with pytest.raises(ValueError, match="max_redirects"):
        CrawlLimits(max_redirects=-1)
