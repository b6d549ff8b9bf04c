# runs on MicroPython too
import json

from fanctl import FIRMWARE_VERSION, protocol
from fanctl.app import App
from fanctl.settings import defaults, merge, save
from scripted_board import TICKS_PERIOD, ScriptedBoard, counts_for, run_ms
from support import close, scratch_path


def new_app(counts=None, saved=None, start_ms=0):
    path = scratch_path("settings.json")
    if saved is not None:
        save(path, merge(defaults(), saved))
    board = ScriptedBoard(counts if counts is not None else counts_for(25), start_ms)
    app = App(board, path)
    app.start()
    return app, board


def command(app, obj_or_line):
    line = obj_or_line if type(obj_or_line) is bytes else json.dumps(obj_or_line).encode()
    app.board.take()
    app.board.send(line + b"\n")
    app.tick()
    while app.board.inbox:  # a bounded amount of input per pass
        app.tick()
    return [m for m in app.board.take() if m["type"] in ("ack", "error", "hello")]


def test_hello_at_start_lists_version_and_settings():
    _app, board = new_app()
    hello = board.messages("hello")[0]
    assert hello["fw"] == FIRMWARE_VERSION and hello["proto"] == protocol.PROTOCOL_VERSION
    assert hello["settings"] == defaults()
    assert hello["saved"] is False and "no settings file" in hello["warning"]
    assert board.messages("log")[0]["level"] == "warn"


def test_telemetry_rate_and_content():
    app, board = new_app(saved={"interval_ms": 500})
    board.take()
    run_ms(app, 5000)
    tele = board.messages("tele")
    assert len(tele) == 10
    assert [t["ms"] for t in tele] == list(range(0, 5000, 500))
    t = tele[-1]
    assert close(t["temp"], 25.0, 0.05) and t["raw"] == counts_for(25)
    assert t["fan"] is False and t["fault"] is None and t["mode"] == "auto"
    assert (t["setpoint"], t["hysteresis"]) == (30.0, 2.0)


def test_closed_loop_heat_then_cool():
    temp = [25.0]
    app, board = new_app(counts=lambda ms: counts_for(temp[0]))
    run_ms(app, 6000)  # past the default minimum off-time of the boot-time switch off
    assert board.fan_on is False
    temp[0] = 31.2  # above 30 + 2/2
    run_ms(app, 1000)
    assert board.fan_on is True
    on_at = board.fan_log[-1][0]
    temp[0] = 29.5  # inside the band: stays on
    run_ms(app, 10000)
    assert board.fan_on is True
    temp[0] = 28.0
    run_ms(app, 1000)
    assert board.fan_on is False
    tele = board.messages("tele")
    assert tele[-1]["fan"] is False
    assert any(t["fan"] for t in tele)
    assert on_at == 6000  # the first sample past the threshold


def test_min_on_time_from_defaults():
    temp = [25.0]
    app, board = new_app(counts=lambda ms: counts_for(temp[0]))
    run_ms(app, 6000)
    temp[0] = 35.0
    run_ms(app, 500)
    on_at = board.fan_log[-1][0]
    temp[0] = 20.0
    run_ms(app, 8000)
    off_at = board.fan_log[-1][0]
    assert off_at - on_at >= defaults()["min_on_ms"]
    assert off_at - on_at < defaults()["min_on_ms"] + 200


def test_sensor_fault_turns_fan_on_within_a_sample():
    counts = [counts_for(25)]
    app, board = new_app(counts=lambda ms: counts[0])
    run_ms(app, 1000)
    assert board.fan_on is False
    fault_at = board.now
    counts[0] = 0  # open thermistor
    run_ms(app, 1000)
    assert board.fan_log[-1] == (fault_at, True) or board.fan_log[-1][0] - fault_at <= 100
    assert board.fan_on is True
    tele = board.messages("tele")[-1]
    assert tele["fault"] == "open" and tele["temp"] is None and tele["fan"] is True
    counts[0] = 65535
    run_ms(app, 1000)
    assert board.messages("tele")[-1]["fault"] == "short"


def test_set_changes_band_and_next_telemetry_shows_it():
    app, board = new_app()
    replies = command(app, {"cmd": "set", "id": 7, "setpoint": 24, "hysteresis": 1.0})
    assert replies[0]["type"] == "ack" and replies[0]["id"] == 7
    assert replies[0]["settings"]["setpoint"] == 24.0 and replies[0]["saved"] is False
    run_ms(app, 1000)
    t = board.messages("tele")[-1]
    assert (t["setpoint"], t["hysteresis"]) == (24.0, 1.0)
    assert t["fan"] is True  # 25 C >= 24.5


def test_set_reports_the_new_band_at_once():
    app, board = new_app(saved={"interval_ms": 5000})
    run_ms(app, 1200)
    board.take()
    at = board.now
    board.send(b'{"cmd": "set", "id": 1, "setpoint": 26.0}\n')
    app.tick()
    tele = board.messages("tele")
    assert tele and tele[0]["setpoint"] == 26.0 and tele[0]["ms"] == at


def test_bad_set_changes_nothing_and_says_why():
    app, _board = new_app()
    before = dict(app.settings)
    replies = command(app, {"cmd": "set", "id": 8, "setpoint": 26, "hysteresis": -1})
    assert replies == [{"type": "error", "id": 8, "code": "range",
                        "msg": "hysteresis must be between 0.1 and 20.0"}]
    assert app.settings == before


def test_every_malformed_line_gets_one_error_and_loop_lives():
    app, board = new_app()
    before = dict(app.settings)
    lines = [b"garbage", b"\x00\x01\x02\xff", b"{", b"[]", b'{"cmd":"x"}',
             b'{"cmd":"set","setpoint":"a"}', b"AT", b"\x01"]
    for line in lines:
        replies = command(app, line)
        assert len(replies) == 1 and replies[0]["type"] == "error", (line, replies)
    assert app.settings == before
    run_ms(app, 1000)
    assert board.messages("tele")


def test_overlong_line_is_refused_once_then_next_line_works():
    app, board = new_app()
    board.send(b"x" * 5000 + b"\n")
    while board.inbox:  # a bounded amount of input per pass
        app.tick()
    errs = board.take()
    assert [e["code"] for e in errs if e["type"] == "error"] == ["too_long"]
    assert command(app, {"cmd": "ping", "id": 2})[0]["type"] == "ack"


def test_partial_line_waits_for_newline():
    app, board = new_app()
    board.take()
    board.send(b'{"cmd": "pi')
    app.tick()
    assert board.take("ack") == []
    board.send(b'ng", "id": 3}\r\n')
    app.tick()
    assert [m["id"] for m in board.take("ack")] == [3]


def test_save_persists_and_reset_restores_defaults():
    app, _board = new_app()
    command(app, {"cmd": "set", "setpoint": 33})
    ack = command(app, {"cmd": "save", "id": 1})[0]
    assert ack["type"] == "ack" and ack["saved"] is True
    again = App(ScriptedBoard(counts_for(25)), app.path)
    assert again.settings["setpoint"] == 33.0 and again.warning is None
    ack = command(app, {"cmd": "reset", "id": 2})[0]
    assert ack["settings"] == defaults() and ack["saved"] is False


def test_hello_on_request_echoes_id():
    app, _board = new_app(saved={"setpoint": 29.0})
    hello = command(app, {"cmd": "hello", "id": "h1"})[0]
    assert hello["type"] == "hello" and hello["id"] == "h1" and hello["saved"] is True
    assert hello["settings"]["setpoint"] == 29.0


def test_save_failure_is_an_error_reply():
    app, _board = new_app()
    app.path = "/no/such/dir/settings.json"
    reply = command(app, {"cmd": "save", "id": 5})[0]
    assert reply["type"] == "error" and reply["code"] == "io"


def test_unexpected_error_fails_safe_and_loop_continues():
    calls = [0]

    def flaky(ms):
        calls[0] += 1
        if calls[0] == 32 * 20:  # one read, in the 20th sample
            raise RuntimeError("ADC bus glitch")
        return counts_for(20)

    app, board = new_app(counts=flaky)
    run_ms(app, 500)
    assert board.fan_on is False
    run_ms(app, 3000)
    assert board.fan_on is True
    logs = board.messages("log")
    assert any("ADC bus glitch" in m["msg"] and m["level"] == "error" for m in logs)
    assert board.messages("tele")[-1]["fault"] == "error"
    run_ms(app, 15000)
    assert board.messages("tele")[-1]["fault"] is None
    assert board.fan_on is False


def test_ticks_wraparound_keeps_schedule():
    app, board = new_app(start_ms=TICKS_PERIOD - 2500)
    board.take()
    run_ms(app, 5000)
    assert len(board.messages("tele")) == 5


def test_ctrl_c_after_ctrl_a_stops_cleanly_with_fan_on():
    # A stray Ctrl-A (ModemManager probes new serial ports with one) is just a byte:
    # the loop keeps draining input, so the Ctrl-C after it still lands.
    app, board = new_app(counts=counts_for(20))

    class CtrlC(ScriptedBoard):
        def read_byte(self):
            b = ScriptedBoard.read_byte(self)
            if b == 3:  # what MicroPython's USB stack does with the interrupt char
                raise KeyboardInterrupt
            return b

    board = CtrlC(counts_for(20))
    app = App(board, scratch_path("s.json"))
    board.send(b"\x01")
    app.start()
    for _ in range(20):
        app.tick()
    assert board.fan_on is False
    board.send(b"\x03")
    stopped = False
    try:
        app.run()
    except KeyboardInterrupt:
        stopped = True
    assert stopped and board.fan_on is True and board.led_on is False
    assert board.messages("log")[-1]["msg"] == "stopped; fan left on"


def test_a_curve_that_cannot_convert_is_refused_and_changes_nothing():
    # In range one by one, but 1/(A + B ln R + C ln^3 R) divides by zero at every reading.
    app, _board = new_app()
    before = dict(app.settings)
    reply = command(app, {"cmd": "set", "id": 1, "model": "steinhart",
                          "sh_a": 0, "sh_b": 0, "sh_c": 0})[0]
    assert reply["type"] == "error" and reply["code"] == "range", reply
    assert "curve" in reply["msg"] and app.settings == before
    # A curve that rises with resistance (not an NTC) is refused too.
    reply = command(app, {"cmd": "set", "id": 2, "beta": 3950, "r0": 10000, "sh_b": -0.0002,
                          "model": "steinhart"})[0]
    assert reply["type"] == "error" and "curve" in reply["msg"], reply
    # A good datasheet fit is taken.
    good = {"model": "steinhart", "sh_a": 0.0011253, "sh_b": 0.00023468, "sh_c": 8.5e-8}
    assert command(app, dict(good, cmd="set", id=3))[0]["type"] == "ack"


def test_a_stored_curve_that_cannot_convert_boots_on_defaults():
    path = scratch_path("settings.json")
    with open(path, "w") as f:
        f.write(json.dumps(dict(defaults(), model="steinhart", sh_a=0, sh_b=0, sh_c=0)))
    board = ScriptedBoard(counts_for(25))
    app = App(board, path)
    app.start()
    assert app.settings == defaults() and "rejected" in app.warning
    run_ms(app, 3000)
    assert [t["fault"] for t in board.messages("tele")] == [None] * 3


def test_telemetry_flows_with_fault_error_whatever_the_loop_raises():
    def broken(ms):
        raise ZeroDivisionError("float division by zero")

    app, board = new_app(counts=broken)
    board.take()
    run_ms(app, 30000)
    tele = board.messages("tele")
    assert len(tele) == 30  # one a second, as configured
    assert all(t["fault"] == "error" and t["temp"] is None for t in tele)
    assert board.fan_on is True
    # One error log per 10 s, with a count, not ten a second.
    logs = [m for m in board.messages("log") if m["level"] == "error"]
    assert 3 <= len(logs) <= 4, logs
    assert "more errors" in logs[-1]["msg"]


def test_a_save_of_unchanged_settings_writes_nothing():
    import fanctl.settings as settings_module

    writes = []
    real_save = settings_module.save

    def counting_save(path, s):
        writes.append(dict(s))
        real_save(path, s)

    settings_module.save = counting_save
    try:
        app, _board = new_app()
        command(app, {"cmd": "set", "setpoint": 27})
        for i in range(500):
            reply = command(app, {"cmd": "save", "id": i})[0]
            assert reply["type"] == "ack" and reply["saved"] is True
        assert len(writes) == 1
        command(app, {"cmd": "set", "setpoint": 28})
        command(app, {"cmd": "save"})
        command(app, {"cmd": "set", "setpoint": 27})
        command(app, {"cmd": "set", "setpoint": 28})  # back to what is stored
        assert command(app, {"cmd": "save"})[0]["saved"] is True
        assert len(writes) == 2
    finally:
        settings_module.save = real_save


def test_watchdog_runs_with_the_loop_and_stops_when_it_stops():
    app, board = new_app()
    assert board.watchdog == 8000  # on by default
    run_ms(app, 1000)
    assert board.watchdog_feeds >= 10  # fed every pass
    command(app, {"cmd": "set", "watchdog_ms": 0})
    assert board.watchdog is None
    command(app, {"cmd": "set", "watchdog_ms": 3000})
    assert board.watchdog == 3000
    reply = command(app, {"cmd": "set", "id": 9, "watchdog_ms": 500})[0]
    assert reply["code"] == "range" and board.watchdog == 3000

    def interrupt(*_):
        raise KeyboardInterrupt  # what MicroPython's USB stack does with Ctrl-C

    board.read_byte = interrupt
    try:
        app.run()
    except KeyboardInterrupt:
        pass
    assert board.watchdog is None and board.fan_on is True


def test_a_host_that_stops_reading_never_holds_the_loop():
    # usb_room() 0: the host holds the port open and reads nothing. Lines that do not
    # fit are dropped whole, and sampling keeps its period.
    app, board = new_app(counts=counts_for(25))
    run_ms(app, 2000)
    board.room = 0
    board.take()
    samples = []
    real_fan = board.fan

    def fan(on):
        samples.append(board.now)
        real_fan(on)

    board.fan = fan
    run_ms(app, 60000)
    gaps = [samples[i + 1] - samples[i] for i in range(len(samples) - 1)]
    assert max(gaps) == 100 and len(samples) == 600
    assert app.out.dropped > 0  # the queue filled and lines were dropped whole
    board.room = 1 << 20
    run_ms(app, 2000)
    seqs = [t["seq"] for t in board.messages("tele")]  # every line whole (it parsed)
    assert seqs == sorted(set(seqs)) and seqs[-1] - seqs[0] > len(seqs)  # in order, a gap
    assert seqs[-2:] == [seqs[-1] - 1, seqs[-1]]  # flowing again, nothing lost since


def test_an_input_flood_never_starves_the_loop():
    # Junk arrives faster than the firmware can read it: on the RP2040 a byte-wise
    # poll+read costs ~30 us, USB delivers ~1 MB/s. This board's clock moves 1 ms per
    # 32 bytes read, and the input never runs dry for 10 s.
    class FloodBoard(ScriptedBoard):
        def __init__(self):
            ScriptedBoard.__init__(self, counts_for(25))
            self.flood_left = 32 * 10000
            self.samples = []
            self.junk = b'{"cmd": "x", "a": [1, 2, 3]} nonsense \xff\n' * 4

        def read_byte(self):
            if self.flood_left <= 0:
                return None
            self.flood_left -= 1
            if self.flood_left % 32 == 0:
                self.now = (self.now + 1) % TICKS_PERIOD
            return self.junk[self.flood_left % len(self.junk)]

        def fan(self, on):
            self.samples.append(self.now)
            ScriptedBoard.fan(self, on)

        def usb_write(self, buf):
            return len(buf)  # a host that reads everything; nothing kept

    board = FloodBoard()
    app = App(board, scratch_path("settings.json"))
    app.start()
    while board.flood_left > 0:
        app.tick()
    gaps = [board.samples[i + 1] - board.samples[i] for i in range(len(board.samples) - 1)]
    assert len(board.samples) >= 95, len(board.samples)  # ~100 samples in 10 s
    assert max(gaps) <= 200, max(gaps)  # the period, plus at most one sample


def test_a_line_written_into_the_queue_makes_room_or_is_dropped_whole():
    from fanctl.usb import TxQueue

    def writer(fill):
        # One line of 120 bytes, in pieces of 7 (bytes and str, as protocol.tele's).
        def write(out):
            for i in range(0, 120, 7):
                piece = fill * min(7, 120 - i)
                out.write(piece if i % 2 else piece.encode())
        return write

    board = ScriptedBoard()
    board.room = 0  # the host reads nothing
    q = TxQueue(board, 200)
    assert q.put_written(writer("a"))
    assert not q.put_written(writer("b"))  # no room: dropped whole, the queue as it was
    assert q.dropped == 1 and q.pending() == 122
    board.room = 50  # the host takes 50 bytes: room enough once the rest moves up
    assert q.put_written(writer("c"))
    board.room = 1 << 20
    q.pump()
    assert board.out == ["a" * 120, "c" * 120] and q.pending() == 0
