"""docs/zone-transfer.md shows the configurations the e2e tests run, with the doc's addresses."""

from __future__ import annotations

from pathlib import Path

from peers import unbound_config
from zone_peers import BIND_RESPONSE_POLICY, bind_rpz, pdns_config, pdns_lua, unbound_primary, unbound_rpz

DOC = (Path(__file__).resolve().parents[2] / "docs" / "zone-transfer.md").read_text()
CENTER = "192.0.2.1"


def test_bind_recipe_is_the_tested_one():
    assert BIND_RESPONSE_POLICY in DOC
    key = ("kt-2026", "<base64 secret>")
    assert bind_rpz(CENTER, 5300, "/var/cache/bind/rpz.antifraud.db", key) in DOC


def test_unbound_recipes_are_the_tested_ones(tmp_path):
    primary = unbound_rpz(unbound_primary(5300, CENTER), "/var/lib/unbound/rpz.antifraud.zone")
    url = unbound_rpz(
        f"url: http://{CENTER}:8080/v1/pull/<KEY>/domains.rpz\nallow-notify: {CENTER}",
        "/var/lib/unbound/rpz.antifraud.zone",
    )
    assert primary in DOC
    assert url in DOC
    # and the e2e tests' Unbound configuration carries exactly such a clause
    tested = unbound_config(tmp_path, 53, rpz=f'{unbound_primary(5300)}\nzonefile: "/z"')
    assert unbound_rpz(unbound_primary(5300), "/z") in tested


def test_pdns_recipe_is_the_tested_one(tmp_path):
    assert pdns_lua(5300, refresh=1, primary=CENTER) in DOC
    for line in pdns_config(tmp_path, 53).splitlines():
        if line.startswith("allow-notify-for"):
            assert line in DOC
