"""Commands over MQTT through `picofan bridge` (the installed command, virtual Picos, a
real broker): numbers read by the CLI's rule, a cleared retained command, the state
never going back behind a command's result, and a flood of commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bridge_process import BridgeProcess
from mqtt_watch import Watcher
from polling import until

from picofan.bridge import ha

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
