"""A 4-wire fan in Home Assistant, end to end as test_bridge.py: the bridge as
a person runs it, a virtual Pico as the board, a real broker, and Home Assistant's seat
sending what its entities send. The output setting brings the fan entity and its
settings (and the tach the rpm sensor), under the same unique ids, and takes them away
again as Home Assistant's removal."""

from __future__ import annotations

from typing import Any

from bridge_process import BridgeProcess
from mqtt_watch import Watcher
from picofan_cli import SimCommand

from picofan.bridge import ha_schema as ha

GONE = "the platform alone: Home Assistant removes the entity"


def removed(entity: dict[str, Any]) -> bool:
    return set(entity) == {"p"}


def test_a_pwm_fan_is_a_home_assistant_fan(bridge: Any, home: Watcher,
                                          pico: SimCommand) -> None:
    run: BridgeProcess = bridge("--port", pico.port)
    (bid,) = home.configs(1)
    topics = ha.Topics(bid)
    first = home.wait_json(topics.config())
    assert removed(first["cmps"]["speed"]) and removed(first["cmps"]["duty"]), GONE
    home.wait_json(topics.state)

    def command(topic: str, payload: str) -> dict[str, Any]:
        mark = home.mark()
        home.publish(topic, payload)
        return home.wait_json(topics.result, since=mark, what=f"the result of {topic}")

    def config_where(check: Any, since: int) -> dict[str, Any]:
        return home.wait_json(topics.config(), lambda c: check(c["cmps"]), since,
                              "the config updated")

    def state_where(check: Any, since: int, what: str) -> dict[str, Any]:
        return home.wait_json(topics.state, check, since, f"a state {what}")

    # The output select (as Home Assistant's select sends it): the fan entity appears.
    mark = home.mark()
    r = command(topics.set_one("output"), "pwm")
    assert (r["ok"], r["cmd"], r["name"], r["settings"]) == (True, "set", "output",
                                                             {"output": "pwm"})
    cmps = config_where(lambda c: not removed(c["speed"]), mark)["cmps"]
    assert cmps["speed"]["p"] == "fan" and cmps["duty"]["unit_of_meas"] == "%"
    assert removed(cmps["rpm"])  # no tach yet
    for key, entity in cmps.items():  # every entity under its one unique id
        assert removed(entity) or entity["uniq_id"] == f"picofan_{bid}_{key}"
        if not removed(first["cmps"][key]):
            assert entity["uniq_id"] == first["cmps"][key]["uniq_id"]
    state_where(lambda s: s["output"] == "pwm", mark, "with output pwm")

    # The fan entity's speed slider at 40 %: the fan runs at 40 % (after its kick-start).
    mark = home.mark()
    r = command(cmps["speed"]["pct_cmd_t"], "40")
    assert r == {"ok": True, "by": "board", "cmd": "fan", "name": "percentage",
                 "settings": {"mode": "on", "manual_duty": 40.0}, "saved": False}
    state_where(lambda s: s["mode"] == "on" and s["fan"] and s["duty"] == 40.0, mark,
                "running at 40 %")
    # Off, on (the board's own control: auto), and the preset auto.
    mark = home.mark()
    assert command(cmps["speed"]["cmd_t"], ha.FAN_OFF)["settings"] == {"mode": "off"}
    state_where(lambda s: s["mode"] == "off" and not s["fan"] and s["duty"] == 0, mark, "off")
    assert command(cmps["speed"]["cmd_t"], ha.FAN_ON)["settings"] == {"mode": "auto"}
    command(topics.set_one("mode"), "on")
    mark = home.mark()
    assert command(cmps["speed"]["pr_mode_cmd_t"], "auto")["settings"] == {"mode": "auto"}
    state_where(lambda s: s["mode"] == "auto", mark, "in auto")

    # What the fan entity's topics cannot take: one log line each, nothing changes.
    mark = home.mark()
    for topic, payload, code in ((cmps["speed"]["pct_cmd_t"], "fast", "type"),
                                 (cmps["speed"]["pct_cmd_t"], "150", "range"),
                                 (cmps["speed"]["cmd_t"], "toggle", "type"),
                                 (cmps["speed"]["pr_mode_cmd_t"], "on", "type")):
        r = command(topic, payload)
        assert (r["ok"], r["by"], r["cmd"], r["code"]) == (False, "bridge", "fan", code), r
        assert f"refused fan/{r['name']} {payload!r}" in run.log
    assert all(m.json()["mode"] == "auto" for m in home.on(topics.state, mark))
    # The duty limits and a PID gain, as Home Assistant's number boxes send them.
    mark = home.mark()
    assert command(topics.set_one("min_duty"), "30")["ok"]
    assert command(topics.set_one("pid_ki"), "0.25")["ok"]
    state_where(lambda s: (s["min_duty"], s["pid_ki"]) == (30.0, 0.25), mark,
                "with the new limits")

    # The tach select: the rpm sensor appears, and the rpm is counted in whole numbers.
    mark = home.mark()
    assert command(topics.set_one("tach"), "on")["ok"]
    cmps = config_where(lambda c: not removed(c["rpm"]), mark)["cmps"]
    assert cmps["rpm"]["uniq_id"] == f"picofan_{bid}_rpm"
    state_where(lambda s: isinstance(s["rpm"], int), mark, "with an rpm")

    # Back to a switched fan: the fan entity and its settings go (the rpm stays: the tach
    # is still on); every other entity is as it was.
    mark = home.mark()
    assert command(topics.set_one("output"), "switch")["ok"]
    cmps = config_where(lambda c: removed(c["speed"]), mark)["cmps"]
    assert [key for key, e in cmps.items() if removed(e)] == [
        key for key, (_, when) in ha.entities(bid).items() if when == ha.PWM]
    assert not removed(cmps["rpm"])
    mark = home.mark()
    assert command(topics.set_one("tach"), "off")["ok"]
    config_where(lambda c: removed(c["rpm"]), mark)
    state_where(lambda s: s["rpm"] is None and s["output"] == "switch", mark, "switched")
    assert "Traceback" not in run.log
