"""The bridge's fixtures: a real broker on a free port (Mosquitto, else amqtt), a
subscriber in Home Assistant's seat, and `picofan bridge` started as a person starts it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bridge_process import BridgeProcess
from mqtt_broker import TestBroker
from picofan_cli import SimCommand


@pytest.fixture
def pico(tmp_path: Path) -> Iterator[SimCommand]:
    """A virtual Pico started as a person starts one (`picofan sim --link …`), for
    `picofan bridge --port`: its port stays put across unplugs and bridge restarts."""
    (tmp_path / "pico").mkdir()
    with SimCommand(tmp_path / "pico") as p:
        yield p


@pytest.fixture
def bridge(tmp_path: Path, broker: TestBroker) -> Iterator[Callable[..., BridgeProcess]]:
    """bridge(*args): `picofan bridge --broker URL *args` (the test broker's URL unless
    url= says), stopped after the test."""
    started: list[BridgeProcess] = []

    def start(*args: str, url: str | None = None,
              env: dict[str, str] | None = None) -> BridgeProcess:
        b = BridgeProcess(tmp_path / f"bridge{len(started) + 1}", url or broker.url, *args,
                          env=env)
        started.append(b)
        return b

    yield start
    for b in started:
        b.close()
