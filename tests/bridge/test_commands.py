"""Commands over MQTT through `picofan bridge` (the installed command, virtual Picos, a
real broker): numbers read by the CLI's rule, a cleared retained command, the state
never going back behind a command's result, and a flood of commands."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from bridge_process import BridgeProcess
from mqtt_broker import TestBroker
from mqtt_watch import Watcher
from paho.mqtt.enums import CallbackAPIVersion
from polling import until

from picofan.bridge import ha_schema as ha
from picofan.bridge import refusals

Start = Callable[..., BridgeProcess]


def first_state(home: Watcher, bid: str, since: int = 0) -> dict[str, Any]:
    return home.wait_json(ha.Topics(bid).state, since=since, what=f"a state of board {bid}")


@pytest.mark.parametrize("text", [",5", "28,", ".5", "28."])
def test_a_number_without_digits_either_side_of_its_point_is_refused(
        bridge: Start, home: Watcher, text: str) -> None:
    run = bridge("--sim", "1")
    (bid,) = home.configs(1)
    before = first_state(home, bid)
    mark = home.mark()
    topics = ha.Topics(bid)
    home.publish(topics.set_one("setpoint"), text)
    r = home.wait_json(topics.result, since=mark)
    assert (r["ok"], r["by"], r["code"], r["payload"]) == (False, "bridge", "type", text)
    assert "is not a number" in r["msg"]
    run.wait_log("nothing sent")
    # The CLI reads a number by the same rule.
    from picofan.values import parse_number

    with pytest.raises(ValueError, match="is not a number"):
        parse_number(text, "setpoint")
    home.publish(topics.set_one("hysteresis"), "1,5")  # a decimal comma with digits is fine
    r = home.wait_json(topics.result, lambda r: r["by"] == "board", mark)
    assert r["settings"] == {"hysteresis": 1.5}
    assert {m.json()["setpoint"] for m in home.on(topics.state)} == {before["setpoint"]}


def test_clearing_a_retained_command_is_not_a_command(bridge: Start, home: Watcher) -> None:
    run = bridge("--sim", "1")
    (bid,) = home.configs(1)
    first_state(home, bid)
    topics = ha.Topics(bid)
    mark = home.mark()
    # As docs/home-assistant.md says to clear one: mosquitto_pub -r -n -t TOPIC
    for topic in (topics.set_one("setpoint"), topics.set_all, topics.save,
                  topics.fan("power")):
        home.publish(topic, b"", retain=True)
    home.publish(topics.set_one("mode"), "off")  # then a press: its result is the first
    results = until(lambda: home.on(topics.result, mark), "a result")
    assert results[0].json()["settings"] == {"mode": "off"}
    first_state(home, bid, mark)
    assert len(home.on(topics.result, mark)) == 1
    assert "refused" not in run.log and "ignored a retained" not in run.log
    # Nothing but the press reached the board.
    assert run.log.count("acknowledged") == 1


def test_after_a_commands_result_the_state_never_shows_the_old_value(
        bridge: Start, home: Watcher) -> None:
    # At the bridge's defaults (at most a state message a second), a board warming: a
    # state often waits its turn. The board reports at once after a set; the name in
    # the state is the one it acknowledged (as are the fan's settings).
    run = bridge("--sim", "1")
    (bid,) = home.configs(1)
    first_state(home, bid)
    topics = ha.Topics(bid)
    run.control(1, "pinch")
    for n in range(24):
        mark = home.mark()
        home.publish(topics.set_one("name"), f"rack {n}")
        done = home.wait(topics.result, since=mark)
        assert done.json()["settings"] == {"name": f"rack {n}"}
        after = home.seen.index(done) + 1
        # The next state says so: never a state from before the change after it.
        assert home.wait_json(topics.state, since=after)["name"] == f"rack {n}", n
    mark = home.mark()
    home.publish(topics.set_one("setpoint"), "27.5")
    done = home.wait(topics.result, since=mark)
    assert home.wait_json(topics.state, since=home.seen.index(done) + 1)["setpoint"] == 27.5


FLOOD = 10_000  # commands, each a distinct setpoint
QUEUE = 8  # a board's commands waiting (docs/home-assistant.md: busy)
PAGE = os.sysconf("SC_PAGE_SIZE")


def flood_value(i: int) -> str:
    return f"{20 + i / 100:.2f}"


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


def test_a_flood_of_commands_is_refused_busy_and_stays_bounded(
        bridge: Start, home: Watcher, broker: TestBroker) -> None:
    run = bridge("--sim", "1")
    (bid,) = home.configs(1)
    first_state(home, bid)
    topics = ha.Topics(bid)
    start = rss_mb(run.proc.pid)
    flooder = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-flood",
                          protocol=mqtt.MQTTv311)
    flooder.connect("127.0.0.1", broker.port)
    flooder.loop_start()
    try:
        mark = home.mark()
        last = None
        flood_began = time.monotonic()
        for i in range(FLOOD):
            last = flooder.publish(topics.set_one("setpoint"), flood_value(i), qos=1)
        assert last is not None
        peak = start

        def flooded() -> bool:
            nonlocal peak
            peak = max(peak, rss_mb(run.proc.pid))
            return last.is_published()

        until(flooded, "the flood on the broker")
        # Then one more, again until the board takes one: everything before is done.
        def answered() -> bool:
            nonlocal peak
            peak = max(peak, rss_mb(run.proc.pid))
            home.publish(topics.set_one("setpoint"), "26.5")
            return any(m.json().get("settings") == {"setpoint": 26.5}
                       for m in home.on(topics.result, mark))

        until(answered, "the board taking a command after the flood", every_s=0.5)
    finally:
        flooder.disconnect()
        flooder.loop_stop()
    results = [m.json() for m in home.on(topics.result, mark)]
    busy = [r for r in results if r.get("code") == "busy"]
    done = [r for r in results if r["by"] == "board"]
    print(f"bridge RSS {start:.1f} MB at the start, {peak:.1f} MB at most, "
          f"{rss_mb(run.proc.pid):.1f} MB after; {len(busy)} busy, {len(done)} done "
          f"of {FLOOD}")
    assert busy and done
    assert all(r["by"] == "bridge" and not r["ok"] for r in busy)
    # The refusals say why: the board's commands waiting, or the broker's results.
    assert {r["msg"] for r in busy} <= {f"{QUEUE} commands are waiting for this board",
                                        "64 results are waiting for the broker"}
    # The log says so, not once a refusal: a burst of lines, then one every few seconds,
    # and the lines (the last one once the flood is over) count every refusal left out.
    def said() -> tuple[list[str], int]:
        lines = [ln for ln in run.log.splitlines() if "refused" in ln]
        return lines, sum(int(n) for n in re.findall(
            r"(\d+) more refusals (?:before it|since the last line) not logged", run.log))

    def accounted() -> bool:
        lines, left_out = said()
        return len(lines) + left_out >= len(busy)

    until(accounted, "every refusal logged or counted")
    lines, left_out = said()
    assert left_out > 0
    assert len(lines) <= refusals.BURST + (time.monotonic() - flood_began) / refusals.EVERY_S + 1
    assert peak < start + 40, (start, peak)
