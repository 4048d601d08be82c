"""The use-cases composed exactly as the center composes them, over the in-memory store (service tests)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fakes import FakeClock, FakeStore
from prometheus_client import CollectorRegistry

from antifraud.app import compose_center
from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.model import Category, IndicatorKey, IndicatorType
from antifraud.metrics import Metrics
from antifraud.services.intake import ReportInput
from antifraud.settings import PolicySettings, Settings

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965",))
SETTINGS = replace(Settings(), policy=PolicySettings(expiry_days={"phishing": 90}))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    return FakeStore(writer_id="server")


async def make_center(store, clock, suffixes, detector=None, settings=SETTINGS):
    return await compose_center(
        settings, store, detector or Detector([KASPI]), suffixes, metrics=Metrics(CollectorRegistry()), clock=clock
    )


@pytest.fixture
async def center(store, clock, suffixes):
    return await make_center(store, clock, suffixes)


def domain(value, category=Category.PHISHING):
    return ReportInput(IndicatorType.DOMAIN, value, category)


def key(value, kind=IndicatorType.DOMAIN):
    return IndicatorKey(kind, value)


async def counter(center, name, *labels):
    await center.refresh_metrics()
    return center.metrics.store.value(name, *labels)


def sample(center, name, **labels):
    return center.metrics.registry.get_sample_value(name, labels) or 0.0
