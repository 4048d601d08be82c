"""Per-call mode: the shipped Kamailio configuration asks the center (`GET /v1/check`) about every
caller, with the call's context, and lets calls through when the center cannot answer within a second.

The center is a fake on loopback (tests/fake_center.py) so that it can be slowed down and taken away;
a real center answers the same query once the lead wires `trunk` and `callee` (docs/telecom.md).
"""

from __future__ import annotations

import time

import pytest
from fake_center import KEY, FakeCenter, ThreadedServer
from sip import Kamailio, SippUas, require_module, sipp_call

pytestmark = pytest.mark.e2e

LISTED = "+77011234567"
CLEAN = "+77017777777"
OFFICIAL = "+77272585965"


@pytest.fixture
def center():
    fake = FakeCenter()
    fake.check_answers[LISTED] = {"listed": True, "verdict": "block", "score": 90, "categories": ["wangiri"]}
    fake.check_answers[OFFICIAL] = {"official_of": "Kaspi Bank"}
    return fake


@pytest.fixture
def server(center):
    with ThreadedServer(center.app) as running:
        yield running


@pytest.fixture
def kamailio(tmp_path, server):
    require_module("http_client", "kamailio-utils-modules")
    require_module("jansson", "kamailio-extra-modules")
    with (
        SippUas(tmp_path) as uas,
        Kamailio(
            tmp_path,
            next_hop=uas.port,
            defines={
                "WITH_PERCALL": "",
                "CENTER_CHECK_URL": f'"{server.url}/v1/check"',
                "CENTER_HEADERS": f'"Authorization: Bearer {KEY}"',
                "CENTER_RETRY_AFTER": "2",
            },
        ) as proxy,
    ):
        yield proxy


def test_a_listed_caller_is_refused_with_the_category_of_the_answer(kamailio, center):
    call = sipp_call(kamailio.domestic_port, "87011234567")
    assert call.refused_with == "wangiri", call.reason
    [check] = center.requests_to("/v1/check")
    assert check.query == {"phone": LISTED, "trunk": "domestic", "callee": "+77011112222"}
    assert check.headers["Authorization"] == f"Bearer {KEY}"
    assert kamailio.hits() == {LISTED: 1}
    assert kamailio.statistic("antifraud_check_failed") == 0


def test_a_clean_caller_connects(kamailio, center):
    assert sipp_call(kamailio.domestic_port, CLEAN, "connected").outcome == "connected"
    assert [c.query["phone"] for c in center.requests_to("/v1/check")] == [CLEAN]


def test_the_trunk_goes_with_the_question_and_a_spoofed_official_number_is_refused(kamailio, center):
    call = sipp_call(kamailio.international_port, OFFICIAL)
    assert call.refused_with == "spoofed_call", call.reason
    assert sipp_call(kamailio.domestic_port, OFFICIAL, "connected").outcome == "connected"
    assert [c.query["trunk"] for c in center.requests_to("/v1/check")] == ["international", "domestic"]
    assert kamailio.statistic("antifraud_spoofed") == 1


def test_with_the_center_down_calls_go_through_and_the_failures_are_counted(kamailio, center, server):
    server.stop()
    first = sipp_call(kamailio.domestic_port, LISTED, "connected")
    assert first.outcome == "connected", first.reason
    assert kamailio.statistic("antifraud_check_failed") == 1
    # within CENTER_RETRY_AFTER the center is not asked again: no worker waits on it
    assert sipp_call(kamailio.domestic_port, LISTED, "connected").outcome == "connected"
    assert kamailio.statistic("antifraud_check_skipped") == 1
    server.start()
    time.sleep(3.2)  # htable expires the mark a whole second after its 2 s (time in whole seconds)
    assert sipp_call(kamailio.domestic_port, LISTED).refused_with == "wangiri"


def test_a_center_slower_than_a_second_is_not_waited_for(kamailio, center):
    center.check_delay = 3
    call = sipp_call(kamailio.domestic_port, LISTED, "connected")
    assert call.outcome == "connected", call.reason
    assert call.seconds < 2.5
    assert kamailio.statistic("antifraud_check_failed") == 1
    # the INVITE's retransmissions were absorbed by the transaction: the center was asked once
    assert len(center.requests_to("/v1/check")) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, '{"error": {"code": "boom"}}'), (200, "<html>portal</html>"), (200, '{"listed": "yes"}'), (401, "{}")],
)
def test_an_answer_that_is_not_a_check_answer_fails_open(kamailio, center, status, body):
    center.check_status, center.check_body = status, body
    assert sipp_call(kamailio.domestic_port, LISTED, "connected").outcome == "connected"
    assert kamailio.statistic("antifraud_check_failed") == 1


def test_a_caller_id_cannot_smuggle_parameters_into_the_question(kamailio, center):
    assert sipp_call(kamailio.domestic_port, "+77017777777&trunk=international", "connected").outcome == "connected"
    assert center.requests_to("/v1/check") == [], "not a number: nothing is asked"
    call = sipp_call(kamailio.domestic_port, "+77011234567;trunk=international")
    assert call.refused_with == "wangiri"
    [check] = center.requests_to("/v1/check")
    assert check.query == {"phone": LISTED, "trunk": "domestic", "callee": "+77011112222"}
