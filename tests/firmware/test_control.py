# runs on MicroPython too
from fanctl.control import Controller, thresholds
from fanctl.settings import defaults, merge


def settings(**kw):
    base = {"setpoint": 30.0, "hysteresis": 2.0, "min_on_ms": 0, "min_off_ms": 0}
    base.update(kw)
    return merge(defaults(), base)


def run(ctl, s, temps, dt=100):
    # -> whether the fan runs after each temperature
    return [ctl.update(t, None, s, dt) > 0 for t in temps]


def test_thresholds_are_symmetric():
    assert thresholds(settings()) == (29.0, 31.0)


def test_band_switches_at_edges_only():
    s = settings()
    ctl = Controller()
    # Starts ON (safe); off only at or below 29, on only at or above 31.
    assert run(ctl, s, [30.0, 29.5, 29.01]) == [True, True, True]
    assert run(ctl, s, [29.0]) == [False]
    assert run(ctl, s, [30.0, 30.99, 29.0]) == [False, False, False]
    assert run(ctl, s, [31.0, 30.0, 29.5]) == [True, True, True]


def test_noise_inside_band_never_switches():
    s = settings()
    ctl = Controller()
    run(ctl, s, [28.0])
    temps = [30.0 + 0.9 * ((i * 7919) % 200 - 100) / 100 for i in range(2000)]
    run(ctl, s, temps)
    assert ctl.switches == 1


def test_min_on_time_holds_fan_on():
    s = settings(min_on_ms=5000)
    ctl = Controller()
    run(ctl, s, [28.0])  # first switch off is free at boot
    assert run(ctl, s, [32.0]) == [True]
    # Cold at once, but the fan stays on for 5 s.
    out = run(ctl, s, [20.0] * 60)
    assert out.index(False) == 49  # 50 updates x 100 ms = 5000 ms after switching on


def test_min_off_time_holds_fan_off():
    s = settings(min_off_ms=3000)
    ctl = Controller()
    run(ctl, s, [28.0])
    out = run(ctl, s, [40.0] * 40)
    assert out.index(True) == 29


def test_modes_force_the_fan():
    ctl = Controller()
    assert run(ctl, settings(mode="off"), [80.0]) == [False]
    assert run(ctl, settings(mode="on"), [0.0]) == [True]


def test_fault_forces_fan_on_past_min_off_and_mode_off():
    s = settings(min_off_ms=60000, mode="off")
    ctl = Controller()
    run(ctl, s, [20.0])
    assert ctl.update(None, "open", s, 100) == 100.0


def test_after_fault_clears_min_on_still_applies():
    s = settings(min_on_ms=2000)
    ctl = Controller()
    run(ctl, s, [20.0])
    ctl.update(None, "short", s, 100)
    out = run(ctl, s, [20.0] * 30)
    assert out.index(False) == 19
