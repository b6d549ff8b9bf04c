"""The MQTT client tests' fixtures: the clients a test started, closed after it, and a
raw TCP server (mqtt_rig.RawServer)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mqtt_micropython import MicroPythonClient
from mqtt_rig import RawServer


@pytest.fixture
def board() -> Iterator[list[MicroPythonClient]]:
    """Clients started with start(kwargs); all ended after the test."""
    started: list[MicroPythonClient] = []
    yield started
    for c in started:
        c.close()


@pytest.fixture
def raw() -> Iterator[RawServer]:
    s = RawServer()
    yield s
    s.close()
