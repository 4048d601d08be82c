"""The store contract suite: one set of tests for every implementation of antifraud.ports.Store.

`store` and `other` are two handles on the same data with their own writer ids, as two processes (or
two nodes) would have. PostgreSQL joins the parameters when tests/postgres can start a server.
"""

from __future__ import annotations

import pytest
from fakes import FakeStore

from antifraud.storage.sqlite import SqliteStore

BACKENDS = ["fake", "sqlite"]


@pytest.fixture(params=BACKENDS)
async def stores(request, tmp_path):
    if request.param == "fake":
        store = FakeStore(writer_id="w1")
        yield store, store.shared("w2")
        return
    path = str(tmp_path / "contract.sqlite3")
    one = await SqliteStore.open(path, "w1")
    two = await SqliteStore.open(path, "w2")
    try:
        yield one, two
    finally:
        await two.close()
        await one.close()


@pytest.fixture
def store(stores):
    return stores[0]


@pytest.fixture
def other(stores):
    return stores[1]
