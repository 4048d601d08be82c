"""Issue 8 §3 probes against the current app (create_app): hostile bodies get a JSON 400, never a 500."""

from __future__ import annotations

import json

import pytest

POST_ROUTES = ["/v1/reports", "/v1/check", "/v1/hits", "/v1/disputes", "/v1/decisions", "/v1/allowlist"]


async def post(client, path, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(path, data=data, headers=client.auth)


async def json_400(response):
    text = await response.text()
    assert response.status == 400, text
    assert response.content_type == "application/json"
    error = json.loads(text)["error"]
    assert error["message"]
    return error


BODY_PROBES = {
    "nested 1,000 deep": (b"[" * 1000 + b"]" * 1000, "levels deep"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "levels deep"),
    "a 100,000-digit number": (b'{"type": "domain", "value": "a.kz", "total": ' + b"9" * 100_000 + b"}", "digits"),
    "NaN": (b'{"total": NaN}', "NaN"),
    "Infinity": (b'{"total": Infinity}', "Infinity"),
    "1e999": (b'{"total": 1e999}', "out of range"),
    "invalid UTF-8": (b'{"value": "\xff"}', "UTF-8"),
    "a lone surrogate": (b'{"type": "domain", "value": "\\ud800.kz", "category": "phishing"}', "surrogate"),
}


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize("probe", BODY_PROBES)
async def test_hostile_bodies_are_400_on_every_route(api_client, route, probe):
    raw, words = BODY_PROBES[probe]
    error = await json_400(await post(api_client, route, raw))
    assert error["field"] == "body"
    assert words in error["message"]


OBSERVED_AT_PROBES = [
    ("9999-12-31T23:59:59-14:00", "outside the range of dates"),
    ("1989-12-31T23:59:59Z", "before 1990-01-01"),
    ("2026-11-24T12:00:00Z", "more than a day ahead"),  # the fake clock says 2026-11-22T12:00Z
    ("2026-11-22T10:00:00", "needs a time zone"),
]


@pytest.mark.parametrize(("observed_at", "words"), OBSERVED_AT_PROBES)
async def test_observed_at_probes_are_400_naming_the_field(api_client, observed_at, words):
    body = {"type": "domain", "value": "kaspi-bonus.kz", "category": "phishing", "observed_at": observed_at}
    error = await json_400(await post(api_client, "/v1/reports", body))
    assert error["field"] == "observed_at"
    assert words in error["message"]


async def test_in_a_batch_only_the_bad_item_is_rejected(api_client):
    good = {"type": "domain", "value": "kaspi-bonus.kz", "category": "phishing", "observed_at": "2026-11-22T10:00:00Z"}
    bad = {**good, "value": "halyk-bonus.kz", "observed_at": "9999-12-31T23:59:59-14:00"}
    response = await post(api_client, "/v1/reports", {"reports": [good, bad]})
    assert response.status == 202, await response.text()
    body = await response.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert body["results"][1]["error"]["field"] == "reports[1].observed_at"


@pytest.mark.parametrize("field", ["interval_start", "interval_end"])
@pytest.mark.parametrize(("moment", "words"), OBSERVED_AT_PROBES)
async def test_hit_interval_probes_are_400_naming_the_field(api_client, field, moment, words):
    body = {
        "list": "domains",
        "interval_start": "2026-11-22T10:00:00Z",
        "interval_end": "2026-11-22T11:00:00Z",
        "total": 1,
        field: moment,
    }
    error = await json_400(await post(api_client, "/v1/hits", body))
    assert error["field"] == field
    assert words in error["message"]


async def test_a_url_is_reported_as_the_host_a_browser_opens(api_client):
    """Issue 8 §4: a browser opens evil.kz; the center used to read kaspi.kz and refuse an official domain."""
    body = {"type": "url", "value": "http://evil.kz\\@kaspi.kz/", "category": "phishing"}
    response = await post(api_client, "/v1/reports", body)
    assert response.status == 202, await response.text()
    assert (await response.json())["indicator"] == {"type": "domain", "value": "evil.kz"}
    decision = {"type": "url", "value": "http://evil.kz\\@kaspi.kz/", "action": "block", "reason": "clone"}
    response = await post(api_client, "/v1/decisions", decision)
    assert response.status == 200, await response.text()
    response = await api_client.get("/v1/check", params={"url": "http://evil.kz\\@kaspi.kz/"}, headers=api_client.auth)
    assert (await response.json())["listed"] is True


async def test_hostile_urls_in_a_check_are_400(api_client):
    for url in ["http://0x7f.1:99999/", "http://ev il.kz/", "http://[::1", "http://1.2.3.4.5/"]:
        response = await api_client.get("/v1/check", params={"url": url}, headers=api_client.auth)
        assert response.status == 400, await response.text()
        assert (await response.json())["error"]["field"] == "value"
