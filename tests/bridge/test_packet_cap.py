"""A message larger than the bridge takes (guard.MAX_PACKET), published on a command topic
through the real broker: a broker speaking MQTT 5 (Mosquitto) holds it back, as the
bridge asked when it connected; one speaking only MQTT 3.1.1 (amqtt) sends it, and the
bridge's own guard drops the connection. Either way the next command works."""

from __future__ import annotations

from collections.abc import Callable

from bridge_process import BridgeProcess
from mqtt_broker import TestBroker
from mqtt_watch import Watcher

from picofan.bridge import ha_schema as ha
from picofan.bridge.guard import MAX_PACKET

Start = Callable[..., BridgeProcess]
BIG = 300 * 1024


def test_a_message_over_the_cap_never_reaches_the_bridge(bridge: Start, home: Watcher,
                                                         broker: TestBroker) -> None:
    run = bridge("--sim", "1")
    (bid,) = home.configs(1)
    topics = ha.Topics(bid)
    home.wait(topics.state)
    mark = home.mark()
    home.publish(topics.set_one("setpoint"), b"2" * BIG)
    if broker.kind == "amqtt":  # (it sends it: the guard hangs up, the bridge comes back)
        run.wait_log("lost the broker")
        run.wait_log("connected to the broker", 2)
    home.publish(topics.set_one("hysteresis"), "1.5")
    result = home.wait_json(topics.result, lambda r: r["by"] == "board", mark)
    assert result["ok"] and result["settings"] == {"hysteresis": 1.5}
    # The big one commanded nothing, and was answered by nothing.
    assert [m.json()["settings"] for m in home.on(topics.result, mark)] == [{"hysteresis": 1.5}]
    log = run.log
    said = [ln for ln in log.splitlines() if "3.1.1" in ln]
    lost = [ln for ln in log.splitlines() if "lost the broker" in ln]
    if broker.kind == "mosquitto":
        assert not said, said
        assert not lost, lost  # the connection never dropped: it never came
    else:
        assert len(said) == 1, said  # once, though the bridge connected twice
        assert "speaks MQTT 3.1.1 only" in said[0]
        assert len(lost) == 1, lost
        assert f"the bridge takes {MAX_PACKET} at most" in lost[0]
    assert "Traceback" not in log
