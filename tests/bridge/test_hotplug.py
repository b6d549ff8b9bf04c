"""`--all`: every board there is, now or later. No USB device can be plugged in here;
virtual Picos are found as picofan finds them anywhere (ports.board_ports: each
registers itself, and an unplugged one's port goes away, as a real one's does). The
bridge runs in this process, against a real broker."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from mqtt_broker import TestBroker
from mqtt_watch import Watcher
from polling import until

from picofan.bridge import ha_schema as ha
from picofan.bridge.bridge import Bridge, Options
from picofan.bridge.broker import parse_url
from picofan.sim.process import SimProcess


@pytest.fixture
def bridge_all(broker: TestBroker) -> Iterator[Bridge]:
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


def test_all_takes_boards_as_they_come_and_go(bridge_all: Bridge, home: Watcher) -> None:
    assert not home.topics_matching("homeassistant/")  # nothing plugged in: no board
    with SimProcess(seed=31):  # plugged in after the bridge started
        (first,) = home.configs(1)
        until(lambda: availability(home, first) == "online", "the first board online")
        with SimProcess(seed=32) as b:
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
        # b's simulator stopped: its port is gone for good, and it is no board
        until(lambda: availability(home, second) == "offline", "the second board offline")
        assert availability(home, first) == "online"
