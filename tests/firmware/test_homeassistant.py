# runs on MicroPython too
# A board on Wi-Fi as Home Assistant sees it: the glue between the firmware's App and
# an MQTT client. The client is a recording stand-in here (the real client against a
# real broker is the Wi-Fi end-to-end test's); the App, its settings and its flash
# file are the real ones.
import json

from fanctl import ha
from fanctl.app import App
from fanctl.homeassistant import HomeAssistant
from fanctl.settings import defaults, load
from scripted_board import ScriptedBoard, counts_for, run_ms
from support import scratch_path

UID = "e6614103e7452d2f"  # the scripted board's
OTHER = "0123456789abcdef"


class Pieces:
    def __init__(self, into):
        self.write = into.append


class RecordingClient:
    # What the glue codes against: publish/subscribe -> bool, state. `room`: how many
    # more calls it takes before its buffer is full (None: no end).
    def __init__(self):
        self.state = "up"
        self.room = None
        self.published = []  # (topic, payload text, retain, qos)
        self.subscribed = []  # (filter, qos)

    def _take(self):
        if self.state != "up" or self.room == 0:
            return False
        if self.room is not None:
            self.room -= 1
        return True

    def publish(self, topic, payload, retain=False, qos=0):
        if not self._take():
            return False
        if callable(payload):  # a writer (fanctl.mqtt's publish): what it writes
            pieces = []
            payload(Pieces(pieces))
            payload = "".join(pieces)
        elif type(payload) is not str:
            payload = bytes(payload).decode()
        self.published.append((topic, payload, retain, qos))
        return True

    def subscribe(self, topic_filter, qos=0):
        if not self._take():
            return False
        self.subscribed.append((topic_filter, qos))
        return True

    def on(self, topic):
        return [json.loads(p) if p[:1] in "{[" else p
                for t, p, _, _ in self.published if t == topic]

    def take(self):
        out, self.published = self.published, []
        return out


def start():
    path = scratch_path("settings.json")
    try:
        import os
        os.remove(path)
    except OSError:
        pass
    board = ScriptedBoard(counts_for(25))
    app = App(board, path)
    app.start()
    client = RecordingClient()
    home = HomeAssistant(client, UID, app.apply, board, app.note)
    hello = board.messages("hello")[0]
    home.on_up(hello, app.settings)
    return app, board, client, home


def tele(app, board, ms=1000):
    # Run the App; after each sample the glue reads the board's state, as the board's
    # net code has it do.
    board.take()
    start = board.now
    while board.ticks_diff(board.now, start) < ms:
        if app.tick():
            app.home.poll(app.state, app.settings)


def started():
    app, board, client, home = start()
    app.home = home
    return app, board, client, home


def command(client, home, leaf, payload):
    client.take()
    home.on_message(ha.topic(UID, leaf), payload)
    return client.on(ha.topic(UID, "result"))


def test_on_up_announces_the_device_online_and_listens():
    _app, _board, client, _home = started()
    topic, payload, retain, qos = client.published[0]
    assert topic == "homeassistant/device/picofan_%s/config" % UID and retain and qos == 1
    config = json.loads(payload)
    # its own availability (the will says offline), not a bridge's
    assert config["avty"] == [{"t": "picofan/%s/availability" % UID}]
    assert config["stat_t"] == "picofan/%s/state" % UID and config["qos"] == 1
    assert sorted(config["cmps"]) == sorted(ha.ENTITIES)
    for key in ha.ENTITIES:
        assert config["cmps"][key]["p"]
        if len(config["cmps"][key]) > 1:
            assert config["cmps"][key]["uniq_id"] == "picofan_%s_%s" % (UID, key)
    assert config["dev"]["ids"] == ["picofan_" + UID] and config["dev"]["sn"] == UID
    assert client.published[1] == ("picofan/%s/availability" % UID, "online", True, 1)
    assert ha.will(UID) == ("picofan/%s/availability" % UID, "offline", True, 1)
    assert client.subscribed == [("picofan/%s/set" % UID, 1), ("picofan/%s/set/+" % UID, 1),
                                 ("picofan/%s/save" % UID, 1), ("picofan/%s/fan/+" % UID, 1)]


def test_a_full_client_gets_the_announcement_when_it_has_room():
    app, board, client, home = start()
    app.home = home
    client.published, client.subscribed = [], []
    client.room = 0
    home.on_up(board.messages("hello")[0], app.settings)
    assert not client.published and not client.subscribed
    client.room = 3  # the config, online, one subscription
    tele(app, board, 1000)
    assert [t for t, _, _, _ in client.published][:2] == [
        ha.config_topic(UID), ha.topic(UID, "availability")]
    assert len(client.subscribed) == 1
    client.room = None
    tele(app, board, 1000)
    assert len(client.subscribed) == 4
    assert len(client.on(ha.config_topic(UID))) == 1  # once: nothing changed since


def test_state_goes_out_urgent_at_once_and_readings_once_a_period():
    app, board, client, _home = started()
    app.apply("set", {"interval_ms": 100})
    client.take()
    tele(app, board, 100)
    states = client.on(ha.topic(UID, "state"))
    assert len(states) == 1 and states[0]["via"] == "wifi"
    assert states[0]["temp_c"] is not None and abs(states[0]["temp_c"] - 25) < 0.1
    assert [(r, q) for t, _, r, q in client.published if t == ha.topic(UID, "state")] == [
        (True, 0)]
    # A new reading within the period waits; a setting changed is news at once.
    client.take()
    board.counts = counts_for(26)
    tele(app, board, 300)
    assert client.on(ha.topic(UID, "state")) == []
    app.apply("set", {"setpoint": 31.0})
    tele(app, board, 100)
    (urgent,) = client.on(ha.topic(UID, "state"))
    assert urgent["setpoint"] == 31.0
    # A new reading goes out when its period is up.
    client.take()
    board.counts = counts_for(27)
    tele(app, board, 100)
    assert client.on(ha.topic(UID, "state")) == []
    tele(app, board, 1000)
    (later,) = client.on(ha.topic(UID, "state"))
    assert abs(later["temp_c"] - 27) < 0.1


def test_readings_keep_their_period_whatever_the_usb_interval():
    app, board, client, _home = started()
    app.apply("set", {"interval_ms": 60000})  # a quiet USB log: a line a minute
    client.take()
    tele(app, board, 100)  # (the line the set itself brings)
    for n in range(5):
        board.counts = counts_for(26 + n * 0.5)
        tele(app, board, 1000)
    assert board.messages("tele") == []  # USB said nothing more...
    temps = [round(s["temp_c"]) for s in client.on(ha.topic(UID, "state"))]
    assert len(temps) >= 5 and temps[-1] == 28  # ...Home Assistant heard each second


def test_a_command_from_mqtt_reaches_set():
    app, _board, client, home = started()
    (r,) = command(client, home, "set/setpoint", b"28.5")
    assert r == {"ok": True, "by": "board", "cmd": "set", "name": "setpoint",
                 "settings": {"setpoint": 28.5}, "saved": False}
    assert app.settings["setpoint"] == 28.5
    (r,) = command(client, home, "set", b'{"hysteresis": 1.5, "mode": "on"}')
    assert r["ok"] and r["settings"] == {"hysteresis": 1.5, "mode": "on"} and "name" not in r
    assert (app.settings["hysteresis"], app.settings["mode"]) == (1.5, "on")


def test_save_writes_the_settings_file():
    app, _board, client, home = started()
    command(client, home, "set/setpoint", b"29")
    (r,) = command(client, home, "save", b"save")
    assert r == {"ok": True, "by": "board", "cmd": "save", "settings": {}, "saved": True}
    assert load(app.path)[0]["setpoint"] == 29.0


BAD = (
    ("set/setpoint", b"hot", "type"), ("set/setpoint", b"nan", "type"),
    ("set/setpoint", b"300", "range"), ("set/setpoint", b"9" * 400, "too_long"),
    ("set/setpoint", b"\xff\xfe", "encoding"), ("set/setpoint", b"28.5.1", "type"),
    ("set/mode", b"fast", "type"), ("set/name", b"rack/2", "type"),
    ("set/fan_speed", b"50", "unknown_field"), ("set", b"{", "json"),
    ("set", b"[]", "not_object"), ("set", b"{}", "missing"),
    ("set", b'{"setpoint": NaN}', "json"), ("set", b'{"setpoint": 1e999}', "json"),
    ("set", b'{"setpoint": 28}garbage', "json"), ("set", b"\x80\x81{}", "json"),
    ("set", b'{"setpoint": 28, "nope": 1}', "unknown_field"),
    ("set", b'{"setpoint": 124.5, "hysteresis": 20}', "range"),  # together: by merge
    ("set/control", b"pid", "range"),  # needs output pwm
    ("save", b"please", "type"), ("fan/percentage", b"40", "range"),  # no fan entity
    ("fan/speed", b"50", "unknown_cmd"), ("fan/power", b"on", "type"),
)


def test_every_bad_payload_gets_one_result_and_changes_nothing():
    app, board, client, home = started()
    before = dict(app.settings)
    for leaf, payload, code in BAD:
        results = command(client, home, leaf, payload)
        assert len(results) == 1, (leaf, payload, results)
        r = results[0]
        assert (r["ok"], r["by"], r["code"], r["cmd"]) == (
            False, "board", code, leaf.split("/")[0]), (leaf, payload, r)
        assert r["msg"] and len(r["payload"]) <= 65 and "\x00" not in r["payload"]
        assert r.get("name") == (leaf.split("/")[1] if "/" in leaf else None)
        assert app.settings == before, (leaf, payload)
    assert not board.messages("error")  # nothing reached the USB side either


def test_the_fan_entity_comes_with_output_pwm_and_takes_its_commands():
    app, _board, client, home = started()
    (r,) = command(client, home, "set/output", b"pwm")
    assert r["ok"]
    assert command(client, home, "fan/percentage", b"40") == [
        {"ok": True, "by": "board", "cmd": "fan", "name": "percentage",
         "settings": {"mode": "on", "manual_duty": 40.0}, "saved": False}]
    assert (app.settings["mode"], app.settings["manual_duty"]) == ("on", 40.0)
    (r,) = command(client, home, "fan/power", b"OFF")
    assert r["ok"] and app.settings["mode"] == "off"
    (r,) = command(client, home, "fan/preset", b"auto")
    assert r["ok"] and app.settings["mode"] == "auto"


def test_a_new_name_or_output_republishes_the_config():
    app, board, client, home = started()
    command(client, home, "set/name", b"rack 2")
    (config,) = client.on(ha.config_topic(UID))
    assert config["dev"]["name"] == "rack 2"
    assert len(config["cmps"]["speed"]) == 1  # output switch: no fan entity
    command(client, home, "set/output", b"pwm")
    (config,) = client.on(ha.config_topic(UID))
    assert config["cmps"]["speed"]["uniq_id"] == "picofan_%s_speed" % UID
    command(client, home, "set/setpoint", b"29")  # not in the config: not republished
    tele(app, board, 1000)
    assert client.on(ha.config_topic(UID)) == []


def test_other_boards_retained_and_unknown_topics_are_ignored():
    app, _board, client, home = started()
    before = dict(app.settings)
    client.take()
    home.on_message("picofan/%s/set/setpoint" % OTHER, b"29")
    home.on_message(ha.topic(UID, "set/setpoint"), b"29", True)  # a broker's replay
    home.on_message(ha.topic(UID, "state"), b"{}")
    home.on_message("homeassistant/status", b"online")
    assert client.published == [] and app.settings == before


def test_a_retained_command_is_logged_not_applied_and_a_clear_is_no_command():
    app, board, client, home = started()
    before = dict(app.settings)
    client.take()
    board.take()
    topic = ha.topic(UID, "set")
    home.on_message(topic, b'{"mode": "off"}', True)  # the broker's replay
    home.on_message(topic, b"", True)  # mosquitto_pub -r -n: the clear...
    home.on_message(topic, b"", False)  # ...as a live subscriber gets it
    home.on_message(ha.topic(UID, "set/setpoint"), b"", False)
    assert client.published == [] and app.settings == before
    run_ms(app, 100)  # (the log goes out with the loop's USB output)
    (said,) = board.messages("log")
    assert said["level"] == "warn"
    assert said["msg"] == ("ignored a retained command on %s ('{\"mode\": \"off\"}'): a "
                           "replay from the broker, not a press; clear it: mosquitto_pub -r "
                           "-n -t %s" % (topic, topic))


def test_nothing_is_published_while_the_client_is_down():
    app, board, client, _home = started()
    client.take()
    client.state = "down"
    tele(app, board, 3000)
    assert client.published == []
    assert defaults()["setpoint"] == app.settings["setpoint"]
