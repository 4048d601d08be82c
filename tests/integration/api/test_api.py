"""The HTTP API through aiohttp's test client, on a real SQLite store, the real planner and materializer."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest
from fakes import FakeClock
from prometheus_client import CollectorRegistry

from antifraud.api.app import create_app
from antifraud.app import api_services, compose_center, wire_publication
from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.model import Category
from antifraud.metrics import Metrics
from antifraud.services.keys import create_key
from antifraud.settings import ApiSettings, PublicationSettings, Settings
from antifraud.storage.sqlite import SqliteStore
from blocklists.renderer_process import LocalRenderer

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965",))


class Api:
    def __init__(self, client, center, publishing, keys):
        self.client = client
        self.center = center
        self.publishing = publishing
        self.keys = keys

    @property
    def version(self):
        return self.publishing.materializer.version

    def headers(self, who="reporter", **extra):
        return {"Authorization": f"Bearer {self.keys[who]}", **extra}

    async def post(self, path, body, who="reporter", **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return await self.client.post(path, data=data, headers=self.headers(who, **headers))

    async def get(self, path, who="reporter", **headers):
        return await self.client.get(path, headers=self.headers(who, **headers))


@pytest.fixture
async def api(aiohttp_client, tmp_path, suffixes):
    settings = replace(
        Settings(),
        db=str(tmp_path / "api.sqlite3"),
        blocklist_dir=tmp_path / "lists",
        api=ApiSettings(rate_per_second=1, rate_burst=50, max_body_bytes=256 * 1024),
        publication=PublicationSettings(debounce_seconds=0.05, max_delay_seconds=0.1, fsync=False),
    )
    store = await SqliteStore.open(settings.db, "api-test")
    center = await compose_center(
        settings, store, Detector([KASPI]), suffixes, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    publishing = wire_publication(center, LocalRenderer(settings.blocklist_dir, fsync=False))
    await publishing.materializer.start()
    await publishing.planner.plan()
    await publishing.materializer.catch_up()
    keys = {}
    for name, scopes in {
        "reporter": {"report"},
        "checker": {"check"},
        "isp": {"pull"},
        "analyst": {"analyst"},
        "admin": {"admin"},
        "prom": {"metrics"},
        "isp2": {"pull"},
    }.items():
        keys[name] = (await create_key(store, name, frozenset(scopes))).key
    tasks = [asyncio.create_task(publishing.planner.run()), asyncio.create_task(publishing.materializer.run())]
    client = await aiohttp_client(create_app(api_services(center, publishing)))
    yield Api(client, center, publishing, keys)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await store.close()


async def error_of(response, status):
    assert response.status == status, await response.text()
    body = await response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    return body["error"]


async def test_healthz_and_openapi_need_no_key(api):
    r = await api.client.get("/healthz")
    assert r.status == 200
    assert (await r.json())["status"] == "ok"
    r = await api.client.get("/openapi.json")
    doc = await r.json()
    assert "/v1/reports" in doc["paths"]


async def test_missing_or_unknown_key_is_401_and_wrong_scope_403(api):
    r = await api.client.post("/v1/reports", json={"type": "domain", "value": "x.kz", "category": "phishing"})
    assert (await error_of(r, 401))["code"] == "unauthorized"
    assert "Bearer" in r.headers["WWW-Authenticate"]
    r = await api.client.get("/v1/check?domain=x.kz", headers={"Authorization": "Bearer af_000000000000_nope"})
    await error_of(r, 401)
    r = await api.client.get("/v1/check?domain=x.kz", headers={"Authorization": "Bearer garbage"})
    await error_of(r, 401)
    r = await api.post("/v1/reports", {"type": "domain", "value": "x.kz", "category": "phishing"}, who="checker")
    assert "report" in (await error_of(r, 403))["message"]
    for path in ("/v1/review", "/v1/blocklists", "/metrics"):
        await error_of(await api.get(path, who="reporter"), 403)
    # admin may do everything
    assert (await api.get("/v1/review", who="admin")).status == 200


async def test_a_single_report_is_accepted_and_normalized(api):
    r = await api.post(
        "/v1/reports",
        {
            "type": "url",
            "value": "HTTPS://Login.Kaspi-Bonus.KZ/auth?x=1",
            "category": "bank_impersonation",
            "comment": "SMS to clients",
            "observed_at": "2026-11-22T10:00:00+05:00",
        },
    )
    assert r.status == 202, await r.text()
    body = await r.json()
    assert body["status"] == "accepted"
    assert body["indicator"] == {"type": "domain", "value": "kaspi-bonus.kz"}
    assert len(body["report_id"]) == 32


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "domain", "value": "1.2.3.4", "category": "phishing"}, "value"),
        ({"type": "domain", "value": "ok.kz", "category": "phish"}, "category"),
        ({"type": "fax", "value": "ok.kz", "category": "phishing"}, "type"),
        ({"type": "domain", "category": "phishing"}, "value"),
        ({"type": "domain", "value": "ok.kz", "category": "phishing", "extra": 1}, "extra"),
        ({"type": "phone", "value": "+7 701", "category": "wangiri"}, "value"),
        ({"type": "domain", "value": "ok.kz", "category": "phishing", "observed_at": "yesterday"}, "observed_at"),
    ],
)
async def test_validation_errors_name_the_field(api, body, field):
    error = await error_of(await api.post("/v1/reports", body), 400)
    assert error["field"] == field


async def test_malformed_json_and_wrong_shapes(api):
    assert (await error_of(await api.post("/v1/reports", "{not json"), 400))["field"] == "body"
    assert (await error_of(await api.post("/v1/reports", "[1, 2]"), 400))["field"] == "body"
    assert (await error_of(await api.post("/v1/reports", {"reports": []}), 400))["field"] == "reports"


async def test_a_batch_gets_per_item_results(api):
    batch = {
        "reports": [
            {"type": "domain", "value": "halyk-bonus.kz", "category": "phishing"},
            {"type": "phone", "value": "8 701 234 56 78", "category": "spoofed_call"},
            {"type": "domain", "value": "not a domain!", "category": "phishing"},
            {"type": "domain", "value": "x.kz", "category": "nope"},
        ]
    }
    r = await api.post("/v1/reports", batch)
    assert r.status == 202
    body = await r.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert body["results"][1]["indicator"] == {"type": "phone", "value": "+77012345678"}
    assert body["results"][2]["error"]["field"] == "value"
    assert body["results"][3]["error"]["field"] == "reports[3].category"


async def test_a_batch_over_the_limit_is_refused(api):
    batch = {"reports": [{"type": "domain", "value": f"s{i}.kz", "category": "phishing"} for i in range(1001)]}
    error = await error_of(await api.post("/v1/reports", batch), 400)
    assert "1000" in error["message"]


async def test_an_oversize_body_is_413(api):
    big = json.dumps({"type": "domain", "value": "x.kz", "category": "phishing", "comment": "x" * 300_000})
    await error_of(await api.post("/v1/reports", big), 413)


async def test_the_rate_limit_answers_429_with_retry_after(api):
    statuses = []
    for _ in range(60):
        r = await api.get("/v1/check?domain=x.kz", who="checker")
        statuses.append(r.status)
        if r.status == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert (await r.json())["error"]["code"] == "rate_limited"
            break
    assert statuses[-1] == 429
    assert statuses.count(200) == 50
    # another key is not affected
    assert (await api.get("/v1/check?domain=x.kz", who="admin")).status == 200


async def test_idempotency_key_replays_and_refuses_a_different_body(api):
    body = {"type": "domain", "value": "idem-scam.kz", "category": "phishing"}
    first = await api.post("/v1/reports", body, **{"Idempotency-Key": "abc-1"})
    again = await api.post("/v1/reports", body, **{"Idempotency-Key": "abc-1"})
    assert first.status == again.status == 202
    assert await first.json() == await again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await api.post("/v1/reports", {**body, "value": "other.kz"}, **{"Idempotency-Key": "abc-1"})
    assert (await error_of(other, 409))["code"] == "idempotency_key_reused"
    # concurrent duplicates are stored once
    results = await asyncio.gather(
        *[api.post("/v1/reports", {**body, "value": "race.kz"}, **{"Idempotency-Key": "race"}) for _ in range(5)]
    )
    ids = {(await r.json())["report_id"] for r in results}
    assert len(ids) == 1


async def wait_for_version(api, at_least):
    for _ in range(200):
        if api.version >= at_least:
            return api.version
        await asyncio.sleep(0.02)
    raise AssertionError("no publication")


async def test_decide_publish_pull_check_end_to_end(api):
    start = api.version
    r = await api.post(
        "/v1/decisions",
        {
            "type": "domain",
            "value": "kaspi-bonus.kz",
            "action": "block",
            "reason": "clone of Kaspi login",
            "category": "bank_impersonation",
        },
        who="analyst",
    )
    assert r.status == 200, await r.text()
    assert (await r.json())["state"] == "listed"
    version = await wait_for_version(api, start + 1)

    r = await api.get("/v1/blocklists", who="isp")
    index = await r.json()
    names = {entry["name"] for entry in index["lists"]}
    assert {
        "domains.rpz",
        "domains.hosts",
        "domains.txt",
        "domains.unbound.conf",
        "domains.dnsmasq.conf",
        "phones.csv",
        "phones.json",
        "phones.txt",
    } <= names
    rpz = next(e for e in index["lists"] if e["name"] == "domains.rpz")
    assert rpz["version"] == version
    assert rpz["entries"] == 1

    r = await api.get("/v1/blocklists/domains.txt", who="isp")
    assert r.status == 200
    assert "kaspi-bonus.kz" in await r.text()
    etag = r.headers["ETag"]
    r = await api.get("/v1/blocklists/domains.txt", who="isp", **{"If-None-Match": etag})
    assert r.status == 304
    r = await api.get("/v1/blocklists/domains.rpz", who="isp")
    text = await r.text()
    assert "kaspi-bonus.kz CNAME ." in text
    assert "*.kaspi-bonus.kz CNAME ." in text

    # a delta since the version before
    r = await api.get(f"/v1/blocklists/domains.json?since={start}", who="isp")
    delta = await r.json()
    assert [e["value"] for e in delta["added"]] == ["kaspi-bonus.kz"]
    r = await api.get(f"/v1/blocklists/domains.json?since={version}", who="isp")
    assert r.status == 200  # since the current version: an empty delta, as IXFR answers (no If-None-Match sent)
    assert (await r.json())["added"] == []
    r = await api.get(f"/v1/blocklists/domains.rpz?since={start}", who="isp")
    assert r.headers["X-Delta"] == "unsupported"  # said so, never silently the whole list
    assert "kaspi-bonus.kz" in await r.text()
    assert r.headers["Digest"].startswith("sha-256=")
    assert r.headers["Digest"].endswith("=")
    await error_of(await api.get(f"/v1/blocklists/domains.json?since={version + 5}", who="isp"), 400)
    await error_of(await api.get("/v1/blocklists/domains.json?since=abc", who="isp"), 400)
    await error_of(await api.get("/v1/blocklists/nope.txt", who="isp"), 404)

    # the key in the path, for Unbound's url: transfer
    r = await api.client.get(f"/v1/pull/{api.keys['isp']}/domains.rpz")
    assert r.status == 200
    assert "kaspi-bonus.kz" in await r.text()
    await error_of(await api.client.get(f"/v1/pull/{api.keys['reporter']}/domains.rpz"), 403)
    await error_of(await api.client.get("/v1/pull/af_x_y/domains.rpz"), 401)

    # check, single and batch
    r = await api.get("/v1/check?domain=login.kaspi-bonus.kz", who="checker")
    answer = await r.json()
    assert answer["listed"] is True
    assert answer["list_version"] == version
    assert set(answer) == {"type", "value", "listed", "verdict", "score", "categories", "reasons", "list_version"}
    r = await api.post(
        "/v1/check",
        {
            "items": [
                {"type": "domain", "value": "kaspi.kz"},
                {"type": "url", "value": "https://kaspi-bonus.kz/x"},
                {"type": "phone", "value": "nope"},
            ]
        },
        who="checker",
    )
    results = (await r.json())["results"]
    assert results[0]["verdict"] == "allow"
    assert results[1]["listed"] is True
    assert results[2]["error"]["field"] == "items[2].value"
    await error_of(await api.get("/v1/check", who="checker"), 400)
    await error_of(await api.get("/v1/check?domain=a.kz&phone=1", who="checker"), 400)

    # the analyst sees the history
    r = await api.get("/v1/indicators/domain/kaspi-bonus.kz", who="analyst")
    detail = await r.json()
    assert detail["history"][0]["reason"] == "clone of Kaspi login"

    # metrics
    r = await api.get("/metrics", who="prom")
    text = await r.text()
    assert 'antifraud_decisions_total{origin="analyst",type="domain",verdict="block"} 1.0' in text
    assert "antifraud_blocklist_pulls_total" in text
    assert f'antifraud_blocklist_version{{list="domains"}} {float(version)}' in text


async def test_blocking_a_protected_brand_is_refused(api):
    r = await api.post(
        "/v1/decisions", {"type": "domain", "value": "pay.kaspi.kz", "action": "block", "reason": "test"}, who="analyst"
    )
    assert (await error_of(r, 409))["code"] == "policy"


async def test_hits_are_validated_and_idempotent_per_interval(api):
    await api.post(
        "/v1/decisions",
        {"type": "domain", "value": "pyramid-kz.com", "action": "block", "reason": "pyramid", "category": "pyramid"},
        who="analyst",
    )
    body = {
        "list": "domains",
        "interval_start": "2026-11-22T10:00:00Z",
        "interval_end": "2026-11-22T11:00:00Z",
        "total": 120,
        "entries": [{"value": "pyramid-kz.com", "hits": 100}],
    }
    r = await api.post("/v1/hits", body, who="isp")
    assert r.status == 202, await r.text()
    assert (await r.json())["by_category"] == {"pyramid": 100, "unattributed": 20}
    r = await api.post("/v1/hits", body, who="isp")
    assert r.status == 202
    await api.post("/v1/hits", body, who="isp2")
    text = await (await api.get("/metrics", who="prom")).text()
    assert 'antifraud_blocked_hits_total{category="pyramid",list="domains"} 200.0' in text
    bad = [
        ({**body, "interval_end": "2026-11-22T09:00:00Z"}, "interval_end"),
        ({**body, "interval_start": "2026-11-22T10:00:00"}, "interval_start"),
        ({**body, "total": 50}, "entries"),
        ({**body, "list": "urls"}, "list"),
        ({**body, "interval_start": "9999-12-31T23:59:59-14:00"}, "interval_start"),
        ({**body, "total": -1}, "total"),
    ]
    for payload, field in bad:
        assert (await error_of(await api.post("/v1/hits", payload, who="isp"), 400))["field"] == field
    await error_of(await api.post("/v1/hits", body, who="reporter"), 403)


async def test_disputes_and_the_review_queue(api):
    await api.post("/v1/reports", {"type": "domain", "value": "maybe-scam.kz", "category": "fake_shop"})
    await api.post(
        "/v1/decisions",
        {"type": "domain", "value": "real-shop.kz", "action": "block", "reason": "x", "category": "fake_shop"},
        who="analyst",
    )
    r = await api.post(
        "/v1/disputes",
        {"type": "domain", "value": "real-shop.kz", "reason": "our client's shop", "contact": "fraud@bank.kz"},
        who="isp",
    )
    assert r.status == 202
    r = await api.get("/v1/review?limit=10", who="analyst")
    review = await r.json()
    values = [i["value"] for i in review["items"]]
    assert values[0] == "real-shop.kz"  # disputes first
    assert "maybe-scam.kz" in values
    await error_of(await api.get("/v1/review?limit=0", who="analyst"), 400)
    await error_of(
        await api.post("/v1/disputes", {"type": "domain", "value": "unknown-x.kz", "reason": "x"}, who="isp"), 404
    )


async def test_unknown_route_is_a_json_404(api):
    error = await error_of(await api.client.get("/v2/nothing"), 404)
    assert error["code"] == "not_found"


async def test_categories_cover_the_contract():
    required = {
        "phishing",
        "investment_scam",
        "pyramid",
        "illegal_exchange",
        "money_laundering",
        "bank_impersonation",
        "spoofed_call",
        "wangiri",
        "sms_scam",
        "other",
    }
    assert required <= {c.value for c in Category}
