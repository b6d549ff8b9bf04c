# runs on MicroPython too
# fanctl.wifi: wifi.json (check, load, save, public) and the WifiLink state machine on
# the radio double (host/picofan/sim/radio.py) and the scripted board's clock.
import json

from fanctl import wifi
from fanctl.protocol import BadCommand
from fanctl.settings import Invalid
from fanctl.wifi import BadWifi
from scripted_board import ScriptedBoard, radio
from support import raises, scratch_path

SECRET = "correct horse"
CONFIG = {"ssid": "greenhouse", "password": SECRET, "broker": "mqtt://192.168.4.2:1884"}


def link(config=CONFIG, **kw):
    board = ScriptedBoard()
    wlan = radio(board, **kw)
    return wifi.WifiLink(wlan, config, board), wlan, board


def run(lnk, board, ms, step=100):
    # Poll every `step` ms of board time for `ms`; -> the states entered, in order.
    seen = []
    end = board.now + ms
    while board.now < end:
        if lnk.poll():
            seen.append(lnk.state)
        board.wait(step)
    return seen


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# -- the file ------------------------------------------------------------------------
def test_save_load_round_trip_and_public_hides_the_password():
    path = scratch_path("wifi.json")
    config = wifi.check(dict(CONFIG, user="fan", broker_password="broker-secret"))
    wifi.save(path, config)
    assert wifi.load(path) == (config, None)
    shown = json.dumps(wifi.public(config))
    assert SECRET not in shown and "broker-secret" not in shown
    assert wifi.public(config) == {"ssid": "greenhouse", "broker": "mqtt://192.168.4.2:1884",
                                   "password_set": True}
    assert wifi.public(dict(config, password=""))["password_set"] is False
    assert wifi.public(None) is None


def test_no_file_is_wifi_off_without_a_warning():
    assert wifi.load(scratch_path("wifi.json")) == (None, None)


def test_bad_files_are_wifi_off_with_a_warning_that_never_shows_the_password():
    bad = (
        '{"ssid": "greenhouse", "password": "' + SECRET + '"',  # cut short
        "[1, 2]",
        '{"ssid": "greenhouse", "password": "' + SECRET + '", "broker": "http://x"}',
        '{"ssid": "", "password": "' + SECRET + '", "broker": "mqtt://x"}',
        '{"ssid": "greenhouse", "password": "' + SECRET + '", "broker": "mqtt://x", "x": 1}',
        '{"ssid": "greenhouse", "password": 12345678, "broker": "mqtt://x"}',
    )
    for text in bad:
        path = scratch_path("wifi.json")
        write(path, text)
        config, warning = wifi.load(path)
        assert config is None, text
        assert "Wi-Fi off" in warning and SECRET not in warning, warning


def test_check_refuses_what_the_board_cannot_use():
    cases = (
        ({"ssid": "x" * 33}, "range"),
        ({"ssid": ""}, "range"),
        ({"password": "p" * 65}, "range"),
        ({"password": "short"}, "range"),
        ({"broker": "mqtt://"}, "range"),
        ({"broker": "mqtt://host:0"}, "range"),
        ({"broker": "mqtt://host:99999"}, "range"),
        ({"broker": "mqtt://host:12ab"}, "range"),
        ({"broker": "mqtts://host"}, "type"),
        ({"broker": "mqtt://me:" + SECRET + "@host"}, "type"),
        ({"broker": "mqtt://ho st"}, "type"),
        ({"user": "u" * 65}, "range"),
        ({"ssid": 5}, "type"),
        ({"colour": "blue"}, "unknown_field"),
    )
    for change, code in cases:
        e = raises(BadWifi, wifi.check, dict(CONFIG, **change))
        assert e.code == code, (change, e.code, e.msg)
        # a refused command by its own name: never a setting's refusal
        assert isinstance(e, BadCommand) and not isinstance(e, Invalid), type(e)
        assert SECRET not in e.msg, e.msg
    e = raises(BadWifi, wifi.check, {"ssid": "greenhouse", "broker": "mqtt://x"})
    assert e.code == "missing"
    # An open network, a name with a port, UTF-8 counted in bytes
    assert wifi.check(dict(CONFIG, password=""))["password"] == ""
    assert wifi.broker_address("mqtt://broker.lan") == ("broker.lan", 1883)
    assert wifi.broker_address("mqtt://10.0.0.5:8883") == ("10.0.0.5", 8883)
    assert wifi.check(dict(CONFIG, ssid="é" * 16))["ssid"] == "é" * 16
    assert raises(BadWifi, wifi.check, dict(CONFIG, ssid="é" * 17)).code == "range"


def test_remove():
    path = scratch_path("wifi.json")
    wifi.save(path, CONFIG)
    assert wifi.remove(path) is True
    assert wifi.load(path) == (None, None)
    assert wifi.remove(path) is False


# -- the link --------------------------------------------------------------------------
def test_no_config_never_touches_the_radio():
    lnk, wlan, board = link(config=None)
    assert run(lnk, board, 5000) == []
    assert lnk.state == "off" and not wlan.on and wlan.calls == 0 and not wlan.connects


def test_joins_with_power_save_off_and_reads_rssi():
    lnk, wlan, board = link()
    assert run(lnk, board, 3000) == ["joining", "up"]
    assert wlan.on and wlan.pm == wifi.PM_NONE
    assert wlan.connects == [("greenhouse", SECRET)]
    assert lnk.rssi == -61 and lnk.ip == "192.168.4.23" and lnk.reason is None


def test_polls_are_spaced_while_up():
    lnk, wlan, board = link()
    run(lnk, board, 3000)
    before = wlan.calls
    run(lnk, board, 10000, step=10)  # polled 1000 times in 10 s
    assert wlan.calls - before <= 10000 // wifi.CHECK_MS + 10000 // wifi.RSSI_MS + 2


def test_wrong_password_is_down_with_a_reason_and_backs_off():
    lnk, wlan, board = link(password="another one")
    seen = run(lnk, board, 2000)
    assert seen == ["joining", "down"]
    assert lnk.reason == "wrong password for 'greenhouse'"
    seen += run(lnk, board, 38000)
    assert "up" not in seen
    # Joins at 0, then 1, 2, 4, 8, 16 s after each refusal (each refusal takes 1.5 s):
    # 0, 2.5, 6, 11.5, 21, 38.5 -> 6 joins in 40 s, not one per poll.
    assert len(wlan.connects) == 6, len(wlan.connects)


def test_backoff_is_capped():
    lnk, wlan, board = link()
    wlan.ap.refuse(wifi.LINK_BADAUTH)
    run(lnk, board, 600000, step=500)
    assert lnk.backoff_ms == wifi.BACKOFF_MAX_MS
    joins = len(wlan.connects)
    run(lnk, board, 600000, step=500)
    # Capped at a minute (+1.5 s per refused join): about ten more in ten minutes.
    assert 9 <= len(wlan.connects) - joins <= 10, len(wlan.connects) - joins


def test_no_network_then_it_appears():
    lnk, wlan, board = link()
    wlan.ap.power(False)
    run(lnk, board, 5000)
    assert lnk.state in ("down", "joining")
    assert "no network 'greenhouse'" in (lnk.reason or "no network 'greenhouse'")
    wlan.ap.power(True)
    run(lnk, board, 20000)
    assert lnk.state == "up"


def test_a_drop_is_noticed_and_rejoined_with_a_fresh_backoff():
    lnk, wlan, board = link()
    run(lnk, board, 3000)
    wlan.drop()
    seen = run(lnk, board, 5000)
    assert seen == ["down", "joining", "up"]
    assert len(wlan.connects) == 2 and wlan.disconnects >= 1


def test_access_point_power_cycle():
    lnk, wlan, board = link()
    run(lnk, board, 3000)
    wlan.ap.power(False)
    seen = run(lnk, board, 10000)
    assert seen[0] == "down" and "up" not in seen and lnk.rssi is None
    wlan.ap.power(True)
    seen = run(lnk, board, 20000)
    assert seen[-1] == "up" and lnk.rssi == -61


def test_a_join_that_never_ends_times_out():
    lnk, _wlan, board = link(join_ms=10 ** 9)
    run(lnk, board, wifi.JOIN_TIMEOUT_MS + 500)
    assert lnk.state == "down" and "timed out" in lnk.reason


def test_chip_errors_are_a_down_state_not_an_exception():
    lnk, wlan, board = link()

    def broken(*_a, **_k):
        raise OSError(5)

    wlan.connect = broken
    run(lnk, board, 1000)
    assert lnk.state == "down" and "wifi chip error" in lnk.reason


def test_stop_powers_the_radio_down():
    lnk, wlan, board = link()
    run(lnk, board, 3000)
    lnk.stop()
    assert lnk.state == "off" and not wlan.on
    assert run(lnk, board, 5000) == [] and len(wlan.connects) == 1


# -- the wifi command and what hello/get show -------------------------------------------
def wifi_app(wifi_text=None):
    from fanctl.app import App

    path = scratch_path("wifi.json")
    if wifi_text is not None:
        write(path, wifi_text)
    board = ScriptedBoard()
    app = App(board, scratch_path("settings.json"), path)
    app.start()
    return app, board, path


def command(app, msg):
    # -> (the replies, everything the board wrote meanwhile as text)
    board = app.board
    board.take()
    board.send(json.dumps(msg).encode() + b"\n")
    app.tick()
    while board.inbox:  # a bounded amount of input per pass
        app.tick()
    out = "\n".join(board.out)
    return [m for m in board.take() if m["type"] in ("ack", "error", "hello")], out


def logged(out, level):
    return [m["msg"] for m in map(json.loads, out.splitlines())
            if m["type"] == "log" and m["level"] == level]


def test_no_wifi_file_is_usb_only():
    app, board, _ = wifi_app()
    assert board.messages("hello")[0]["wifi"] is None
    assert app.wifi_config is None and app.wifi_warning is None


def test_wifi_command_stores_and_shows_only_public():
    app, board, path = wifi_app()
    board.take()
    replies, out = command(app, dict(CONFIG, cmd="wifi", id=7))
    assert SECRET not in out
    assert replies == [{"type": "ack", "id": 7, "cmd": "wifi",
                        "wifi": {"ssid": "greenhouse", "broker": "mqtt://192.168.4.2:1884",
                                 "password_set": True}}]
    assert wifi.load(path) == (CONFIG, None)
    got, out = command(app, {"cmd": "get"})
    assert got[0]["wifi"]["ssid"] == "greenhouse" and SECRET not in out
    hello, out = command(app, {"cmd": "hello"})
    assert hello[0]["wifi"]["password_set"] is True and SECRET not in out
    # The next boot reads it back
    from fanctl.app import App

    board2 = ScriptedBoard()
    App(board2, scratch_path("settings.json"), path).start()
    assert board2.messages("hello")[0]["wifi"]["ssid"] == "greenhouse"
    assert SECRET not in "\n".join(board2.out)


def test_a_board_without_a_wifi_chip_stores_the_config_and_says_why_in_one_line():
    # A plain Pico (no W) has no `network` module: the command is still answered, the
    # reason is one log line, and the fan is not faulted (the network is never the fan's).
    class PlainPico(ScriptedBoard):
        def wlan(self):
            raise ImportError("no module named 'network'")

    from fanctl.app import App

    board = PlainPico()
    path = scratch_path("wifi.json")
    app = App(board, scratch_path("settings.json"), path)
    app.start()
    board.take()
    replies, out = command(app, dict(CONFIG, cmd="wifi", id=7))
    assert [r["type"] for r in replies] == ["ack"] and replies[0]["wifi"]["ssid"] == "greenhouse"
    errors = logged(out, "error")
    # ('socket' where the interpreter has none either: MicroPython's WebAssembly build)
    assert len(errors) == 1 and errors[0].startswith("network: ImportError: no module named")
    assert SECRET not in out and app.fault is None and app.net is None
    from scripted_board import run_ms

    board.take()
    run_ms(app, 2000)
    teles = board.messages("tele")
    assert len(teles) == 2 and all(t["fault"] is None and t["wifi"] == "off" for t in teles)
    # ...and so at the next boot, from the stored file
    board2 = PlainPico()
    App(board2, scratch_path("settings.json"), path).start()
    assert [m["msg"] for m in board2.messages("log") if m["level"] == "error"] == errors
    assert not [m for m in board2.messages("tele") if m["fault"]]


def test_wifi_off_removes_the_file():
    app, board, path = wifi_app(json.dumps(CONFIG))
    assert board.messages("hello")[0]["wifi"]["ssid"] == "greenhouse"
    replies, _ = command(app, {"cmd": "wifi", "off": True})
    assert replies[0]["type"] == "ack" and replies[0]["wifi"] is None
    assert wifi.load(path) == (None, None)
    replies, _ = command(app, {"cmd": "wifi"})
    assert replies[0]["wifi"] is None


def test_refused_wifi_commands_change_nothing_and_never_echo_the_password():
    app, _board, path = wifi_app(json.dumps(CONFIG))
    for bad in (dict(CONFIG, password="p" * 65), dict(CONFIG, ssid=""),
                dict(CONFIG, broker="mqtt://me:" + SECRET + "@host"),
                {"ssid": "x", "password": SECRET}, {"off": False}, {"off": True, "ssid": "x"},
                dict(CONFIG, extra=SECRET)):
        replies, out = command(app, dict(bad, cmd="wifi", id=3))
        assert len(replies) == 1 and replies[0]["type"] == "error", (bad, replies)
        assert replies[0]["id"] == 3 and SECRET not in out and "p" * 65 not in out
        assert wifi.load(path) == (CONFIG, None)


def test_bad_wifi_file_is_a_warning_and_wifi_off():
    app, board, _ = wifi_app('{"ssid": "greenhouse", "password": "' + SECRET + '"')
    assert board.messages("hello")[0]["wifi"] is None
    warns = [m["msg"] for m in board.messages("log") if m["level"] == "warn"]
    assert "wifi.json is not valid JSON: Wi-Fi off" in warns
    assert SECRET not in "\n".join(board.out)
    # ...and the loop runs on
    from scripted_board import run_ms

    board.take()
    run_ms(app, 2000)
    assert len(board.messages("tele")) == 2
