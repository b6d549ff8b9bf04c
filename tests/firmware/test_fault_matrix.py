# runs on MicroPython too
# The fault and bad-input matrix (docs/reliability.md), firmware side: sensor
# faults, a stuck ADC, settings files in every bad state, a power cut at every
# step of a save, and a device reboot in the middle of a command line.
import io
import json
import os

from fanctl import settings, thermistor
from fanctl.app import App
from fanctl.sampler import STUCK_READS, WIDE_CODES
from fanctl.settings import defaults, merge, save
from scripted_board import ScriptedBoard, counts_for, run_ms
from support import scratch_path


def boot(board, path=None):
    app = App(board, path or scratch_path("settings.json"))
    app.start()
    return app


class Lcg:
    # A tiny deterministic generator (MicroPython has no random.gauss).
    def __init__(self, seed):
        self.x = seed

    def next(self):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return self.x

    def noise_lsb(self):
        # Roughly Gaussian, sigma ~1.2 LSB: the sum of four uniforms in -1.04..1.04.
        total = 0
        for _ in range(4):
            total += (self.next() % 2081 - 1040) / 1000
        return total


def noisy_adc(rng, code_of_ms):
    # A 12-bit reading with ~1.2 LSB of noise, as read_u16() scales it.
    def counts(ms):
        code = int(code_of_ms(ms) + rng.noise_lsb() + 0.5)
        code = min(4095, max(0, code))
        return thermistor.u16(code)

    return counts


# -- the thermistor ---------------------------------------------------------------
def test_intermittent_thermistor_fan_on_at_every_dropout_and_min_times_hold():
    # A loose wire: open for one sample in every 7 (700 ms), over a minute.
    good = counts_for(25)

    def counts(ms):
        return 0 if (ms // 100) % 7 == 3 else good

    board = ScriptedBoard(counts)
    app = boot(board)
    run_ms(app, 6000)  # past the boot-time minimum off-time
    board.take()
    dropouts = 0
    while board.now < 66000:
        app.tick()
        if app.fault is not None:
            dropouts += 1
            assert app.fault == "open" and board.fan_on is True, board.now
    assert dropouts >= 80
    # The fan never chatters faster than the minimum on-time allows.
    log = [e for e in board.fan_log if e[0] >= 6000]
    for i in range(1, len(log)):
        (t_on, on), (t_off, off) = log[i - 1], log[i]
        if on and not off:
            assert t_off - t_on >= defaults()["min_on_ms"], log
    # Every dropout restarts the minimum on-time: the fan came on at the first
    # dropout (in the first 6 s) and stayed on the whole loose minute, no cycling.
    assert log == [] and board.fan_on is True, log
    # Wire fixed: the fan goes back to the band after the minimum on-time.
    board.counts = good
    run_ms(app, 6000)
    assert board.fan_on is False and app.fault is None


def test_every_fault_sample_reports_and_forces_the_fan():
    good = counts_for(25)
    seq = {"open": 0, "short": 65535}
    for name in seq:
        board = ScriptedBoard(good)
        app = boot(board)
        run_ms(app, 6000)
        assert board.fan_on is False
        board.counts = seq[name]
        app.tick()  # the next sample
        assert board.fan_on is True and app.fault == name and app.temp is None


# -- the ADC ----------------------------------------------------------------------
def test_stuck_adc_is_a_fault_within_four_samples():
    code = counts_for(25)
    board = ScriptedBoard(code)
    app = boot(board)
    run_ms(app, 6000)
    assert board.fan_on is False and app.fault is None
    board.dither = False  # the ADC freezes on one value
    samples = 0
    while app.fault is None:
        assert app.tick() or True
        samples += 1
        assert samples <= 10
    n = app.settings["oversample"]
    assert app.fault == "stuck" and board.fan_on is True and app.temp is None
    assert (STUCK_READS + n - 1) // n <= samples <= (STUCK_READS + n - 1) // n + 1
    run_ms(app, 1000)
    tele = board.messages("tele")[-1]
    assert tele["fault"] == "stuck" and tele["temp"] is None and tele["fan"] is True
    # Alive again: the fault clears at the first changed read.
    board.dither = True
    app.tick()
    run_ms(app, 200)
    assert app.fault is None and app.temp is not None


def test_stuck_with_single_reads_takes_stuck_reads_samples():
    board = ScriptedBoard(counts_for(25), dither=False)
    path = scratch_path("settings.json")
    save(path, merge(defaults(), {"oversample": 1}))
    app = boot(board, path)
    run_ms(app, (STUCK_READS - 2) * 100)
    assert app.fault is None
    run_ms(app, 300)
    assert app.fault == "stuck"


def test_noisy_adc_is_never_stuck_at_any_temperature():
    # ~1.2 LSB of noise sweeping slowly over 10..60 C: not one false stuck.
    rng = Lcg(7)
    lo, hi = counts_for(10) >> 4, counts_for(60) >> 4
    span_ms = 20 * 60 * 1000  # 20 minutes, 12 000 samples

    def code(ms):
        return lo + (hi - lo) * (ms % span_ms) / span_ms

    board = ScriptedBoard(noisy_adc(rng, code), dither=False)
    app = boot(board)
    seen = set()
    while board.now < span_ms:
        app.tick()
        seen.add(app.fault)
    assert seen == {None}, seen


def test_input_inside_a_wide_e11_code_is_not_stuck():
    # RP2040-E11: codes 512/1536/2560/3584 are ~9 LSB wide, so a steady input in one
    # reads the same code for ever. 2560 is about 37 C: no false fault there.
    for wide in WIDE_CODES:
        board = ScriptedBoard(wide, dither=False)
        app = boot(board)
        run_ms(app, 5000)
        assert app.fault != "stuck", wide


# -- settings files ---------------------------------------------------------------
def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_app_boots_on_defaults_from_every_bad_settings_file():
    good = json.dumps(merge(defaults(), {"setpoint": 40.0}))
    cases = [None, "", good[: len(good) // 2], "not json", "\xff\xfe", "[1, 2]", "null",
             '{"setpoint": "warm"}', '{"oversample": 2.5}', '{"mode": 1}',
             '{"setpoint": 1000}', '{"hysteresis": -2}', '{"interval_ms": 150}']
    for text in cases:
        path = scratch_path("settings.json")
        if text is not None:
            write(path, text)
        board = ScriptedBoard(counts_for(25))
        app = boot(board, path)
        hello = board.messages("hello")[0]
        assert hello["settings"] == defaults() and hello["saved"] is False, text
        assert hello["warning"] and "defaults" in hello["warning"], text
        assert board.messages("log")[0]["level"] == "warn", text
        run_ms(app, 6000)
        assert board.fan_on is False and board.messages("tele")[-1]["fault"] is None, text


class PowerCut(Exception):
    pass


class Cutter:
    # Counts the steps of settings.save (open, each write, close, rename) and cuts
    # the power at step `at`: what was written so far stays on the flash.
    def __init__(self, at):
        self.at = at
        self.step = 0

    def tick(self):
        self.step += 1
        if self.step == self.at:
            raise PowerCut()


class CutFile(io.IOBase):  # a stream to MicroPython's json.dump as well
    def __init__(self, cutter, path, mode):
        cutter.tick()  # the file exists from here on (empty)
        self.cutter = cutter
        self.f = open(path, mode)  # noqa: SIM115 - closed in __exit__ or at the cut

    def write(self, data):
        try:
            self.cutter.tick()
        except PowerCut:
            self.f.write(data[: len(data) // 2])  # half of this write made it
            self.f.close()
            raise
        return self.f.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()
        if exc[0] is None:
            self.cutter.tick()  # closed; a cut here leaves a complete temp file
        return False


class CutOs:
    def __init__(self, cutter):
        self.cutter = cutter

    def rename(self, a, b):
        self.cutter.tick()  # before the rename
        os.rename(a, b)
        self.cutter.tick()  # after it


def test_power_cut_at_every_step_of_a_save_leaves_old_or_new():
    old = merge(defaults(), {"setpoint": 26.0})
    new = merge(defaults(), {"setpoint": 35.5, "hysteresis": 1.5})
    at = 1
    results = []
    while True:
        path = scratch_path("settings.json")
        save(path, old)
        cutter = Cutter(at)
        settings.open = lambda p, m="r", c=cutter: CutFile(c, p, m)
        settings.os = CutOs(cutter)
        try:
            settings.save(path, new)
            done = True
        except PowerCut:
            done = False
        finally:
            del settings.open
            settings.os = os
        # Power back: the device boots on exactly the old or exactly the new settings.
        board = ScriptedBoard(counts_for(25))
        app = boot(board, path)
        hello = board.messages("hello")[0]
        assert hello["warning"] is None, (at, hello["warning"])
        assert hello["settings"] in (old, new), at
        results.append(hello["settings"] == new)
        # ...and the next save works over whatever the cut left behind.
        app.handle(b'{"cmd": "save", "id": 1}')
        assert board.messages("ack")[-1]["saved"] is True, at
        if done:
            break
        at += 1
    assert at >= 5  # open, at least one write, close, before and after the rename
    assert results[0] is False and results[-1] is True
    # Once the new settings are visible they stay: old ... old new ... new.
    assert results == sorted(results)


def test_first_save_cut_before_rename_boots_on_defaults_with_a_warning():
    path = scratch_path("settings.json")
    write(path + ".tmp", '{"setpoint": 3')  # no settings file yet, half a temp file
    board = ScriptedBoard(counts_for(25))
    boot(board, path)
    hello = board.messages("hello")[0]
    assert hello["settings"] == defaults() and "no settings file" in hello["warning"]


# -- the serial line --------------------------------------------------------------
def test_device_reboot_mid_line_rest_of_the_line_is_one_error_no_change():
    path = scratch_path("settings.json")
    line = b'{"cmd": "set", "id": 4, "setpoint": 27.5, "mode": "on"}'
    for cut in range(1, len(line)):
        board = ScriptedBoard(counts_for(25))
        app = boot(board, path)
        board.send(line[:cut])
        app.tick()
        assert board.take("ack") == [] and board.take("error") == []
        # Reboot: a new App; the host's rest of the line arrives at the new one.
        board = ScriptedBoard(counts_for(25))
        app = boot(board, path)
        before = dict(app.settings)
        board.take()
        board.send(line[cut:] + b"\n")
        app.tick()
        replies = [m for m in board.take() if m["type"] in ("ack", "error")]
        assert app.settings == before, cut
        assert len(replies) == 1 and replies[0]["type"] == "error", (cut, replies)
