"""`--all`: every Pico plugged in, now or later. No USB device can be plugged in here,
so the operating system's port list (pyserial's comports) is the stand-in: it lists a
virtual Pico's port, with MicroPython's USB id, while its port exists (an unplugged
virtual Pico's port goes away, as a real one's does). Everything above it is the real
bridge, in this process so the stand-in reaches it, against a real broker."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from mqtt_broker import TestBroker
from mqtt_watch import Watcher
from polling import until
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from picofan import ports
from picofan.bridge import ha
from picofan.bridge.bridge import Bridge, Options
from picofan.bridge.broker import parse_url
from picofan.sim.process import SimProcess


def pico_port(device: str) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid = ports.PICO_VID, ports.MICROPYTHON_PID
    info.description = "Board in FS mode - Board CDC"
    return info


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ports the system would list if they exist (add a virtual Pico's port here)."""
    paths: list[str] = []
    monkeypatch.setattr(list_ports, "comports", lambda *a, **kw: [
        pico_port(p) for p in list(paths) if os.path.exists(p)])
    return paths


@pytest.fixture
def bridge_all(broker: TestBroker, plugged: list[str]) -> Iterator[Bridge]:
    bridge = Bridge(Options(broker=parse_url(broker.url), bridge_id="hotplug", jitter=0),
                    [], scan_all=True)
    stop = threading.Event()
    runner = threading.Thread(target=bridge.run, args=(stop,))
    runner.start()
    yield bridge
    stop.set()
    runner.join(60)
    assert not runner.is_alive()


def availability(home: Watcher, bid: str) -> str | None:
    last = home.last(ha.Topics(bid).availability)
    return last.text if last else None


def test_all_takes_boards_as_they_come_and_go(bridge_all: Bridge, plugged: list[str],
                                             home: Watcher) -> None:
    assert not home.topics_matching("homeassistant/")  # nothing plugged in: no board
    with SimProcess(seed=31) as a:
        plugged.append(a.port)  # plugged in after the bridge started
        (first,) = home.configs(1)
        until(lambda: availability(home, first) == "online", "the first board online")
        with SimProcess(seed=32) as b:
            plugged.append(b.port)
            (second,) = set(home.configs(2)) - {first}
            until(lambda: availability(home, second) == "online", "the second board online")
            mark = home.mark()
            b.control("unplug 2")  # out, and back 2 s later
            home.wait_text(ha.Topics(second).availability, "offline", mark)
            home.wait_text(ha.Topics(second).availability, "online", mark)
            assert availability(home, first) == "online"
            # and it takes commands again, on its new port
            home.publish(ha.Topics(second).set_one("setpoint"), "33")
            home.wait_json(ha.Topics(second).result, lambda r: r["ok"], mark)
        # b's simulator stopped: its port is gone for good
        until(lambda: availability(home, second) == "offline", "the second board offline")
        assert availability(home, first) == "online"
