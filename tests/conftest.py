"""Shared fixtures: a virtual Pico in its own process, and a pyserial port on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from device_port import Port
from picofan.sim.process import SimProcess

# No per-example deadline: a timing limit on a shared, noisy machine is not a test.
settings.register_profile("picofan", deadline=None, derandomize=False)
settings.load_profile("picofan")


def pytest_report_header() -> str:
    from mqtt_broker import kind

    return f"MQTT broker for the bridge tests: {kind()}"


@pytest.fixture
def sim() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=7) as s:
        yield s


@pytest.fixture
def port(sim: SimProcess) -> Iterator[Port]:
    p = Port(sim.port)
    yield p
    p.close()
