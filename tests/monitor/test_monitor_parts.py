"""The monitor's plain-Python parts: what it knows (MonitorState: the trend, the
plot's guides, the kick-start), what the panels say, the plot's axis, the rpm
sparkline, the status bar's shortened paths."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanctl import protocol as wire
from fanctl.fan import Fan
from fanctl.faults import STALL
from fanctl.settings import defaults, merge
from picofan.client import Received
from picofan.monitor.band import band_text
from picofan.monitor.fan import sparkline
from picofan.monitor.plot import even_ticks
from picofan.monitor.state import MonitorState
from picofan.monitor.status import shorten
from picofan.protocol import Message, parse_line

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def tele(seq: int, temp: float | None, fault: str | None = None, **settings: object) -> Received:
    msg = wire.tele("0000b007", seq, seq * 1000, temp, 30000, 10000.0, fault is not None,
                    {**defaults(), **settings}, fault)
    parsed = parse_line(json.dumps(msg).encode())
    assert isinstance(parsed, Message)
    return Received(parsed, at=T0 + timedelta(seconds=seq))


def test_trend_is_blank_during_a_fault_and_starts_afresh_after() -> None:
    state = MonitorState()
    for seq in range(10):  # warming 6 °C a minute
        state.apply(tele(seq, 25.0 + 0.1 * seq))
    assert state.trend() == pytest.approx(6.0)
    state.apply(tele(10, None, "open"))
    assert state.trend() is None
    state.apply(tele(11, 40.0, "range"))  # a reading, but a faulty one
    assert state.trend() is None
    state.apply(tele(12, 30.0))  # back: one good reading says no slope yet
    assert state.trend() is None
    for seq in range(13, 16):  # cooling 6 °C a minute since the fault, nothing before
        state.apply(tele(seq, 30.0 - 0.1 * (seq - 12)))
    assert state.trend() == pytest.approx(-6.0)


@pytest.mark.parametrize("mode", ["off", "on"])
def test_band_in_mode_on_or_off_says_the_mode_holds_the_fan(mode: str) -> None:
    text = band_text(tele(0, 25.0, mode=mode).message.data)
    assert f"fan held {mode}: mode {mode}" in text
    assert "fan ON at" not in text and "fan OFF at" not in text  # they switch nothing


def test_band_in_mode_auto_gives_the_thresholds() -> None:
    text = band_text(tele(0, 25.0, setpoint=30.0, hysteresis=2.0).message.data)
    assert "fan ON at ≥ 31.00 °C" in text and "fan OFF at ≤ 29.00 °C" in text


@pytest.mark.parametrize(("lo", "hi", "rows"), [
    (29.37, 31.5, 6), (27.5, 32.4, 11), (29.9, 30.1, 20), (-3.0, 2.0, 7), (20.0, 95.0, 30),
    (30.0, 30.0001, 9),
])
def test_axis_labels_are_even(lo: float, hi: float, rows: int) -> None:
    low, high, ticks, labels = even_ticks(lo, hi, rows)
    assert low <= lo and high >= hi
    steps = {round(b - a, 9) for a, b in pairwise(ticks)}
    assert len(steps) == 1  # evenly spaced in °C...
    # ...and in rows: each tick lands on a whole row of the chart (plotext rounds)
    for t in ticks:
        row = (t - low) / (high - low) * (rows - 1)
        assert row == pytest.approx(round(row), abs=1e-6)
    assert len({len(label.split(".")[-1]) for label in labels if "." in label}) <= 1
    assert all(float(label) == pytest.approx(t) for label, t in zip(labels, ticks, strict=True))
    assert len(ticks) >= 2


@pytest.mark.parametrize(("path", "room", "shown"), [
    ("/dev/ttyACM0", 20, "/dev/ttyACM0"),
    ("/tmp/picofan-sim-33eh4h2c/ttyPICO", 20, "…/ttyPICO"),
    ("/dev/serial/by-id/usb-MicroPython_Board_in_FS_mode_e6614c311b7e8a2b-if00", 24,
     "…e_e6614c311b7e8a2b-if00"),
])
def test_a_long_path_keeps_its_end(path: str, room: int, shown: str) -> None:
    assert shorten(path, room) == shown
    assert len(shorten(path, room)) <= room


def pwm(**changes: object) -> dict[str, Any]:
    return merge(defaults(), {"output": "pwm", **changes})


def hello_event(settings: dict[str, Any]) -> Received:
    msg = wire.hello("0.1.0", "Raspberry Pi Pico W", "e6614103e7452d2f", "0000b007", "power",
                     settings, True, None)
    return Received(Message("hello", msg), at=T0)


@pytest.mark.parametrize(("output", "shown"), [("pwm", "fan held on: mode on at 60 %"),
                                               ("switch", "fan held on: mode on")])
def test_band_in_mode_on_gives_the_duty_of_a_pwm_fan(output: str, shown: str) -> None:
    settings = merge(defaults(), {"output": output, "mode": "on", "manual_duty": 60.0})
    msg = wire.tele("0000b007", 0, 0, 25.0, 30000, 10000.0, True, settings, None,
                    60.0 if output == "pwm" else None)
    assert band_text(msg, settings).splitlines()[1] == shown


def test_band_under_curve_and_pid_gives_their_numbers_not_a_band() -> None:
    curve = pwm(control="curve", curve_low=26.0, curve_high=38.5, min_duty=25.0)
    text = band_text(tele(0, 30.0, **curve).message.data, curve)
    assert "0 % at 26.00 °C" in text and "100 % at 38.50 °C" in text
    assert "duty 25–100 %, off < 10 %" in text and "fan ON at" not in text
    pid = pwm(control="pid", pid_kp=12.5, pid_ki=0.25, pid_kd=3.0, setpoint=31.0)
    text = band_text(tele(0, 30.0, **pid).message.data, pid)
    assert "setpoint 31.00 °C (PID)" in text and "kp 12.5 ki 0.25 kd 3" in text
    assert all(len(line) <= 32 for line in text.splitlines())  # the panel's width at 80×24


def test_the_plot_guides_follow_the_control() -> None:
    state = MonitorState()
    state.apply(hello_event(pwm(control="curve", curve_low=26.0, curve_high=38.0)))
    state.apply(tele(0, 30.0))
    assert (state.history[-1].off_at, state.history[-1].on_at) == (26.0, 38.0)
    state.apply(hello_event(pwm(control="pid", setpoint=31.0)))
    state.apply(tele(1, 30.0, setpoint=31.0))
    assert (state.history[-1].off_at, state.history[-1].on_at) == (31.0, 31.0)
    assert state.history[-1].control == "pid"


def test_a_stall_is_no_sensor_fault_the_trend_goes_on() -> None:
    state = MonitorState()
    for seq in range(10):
        state.apply(tele(seq, 25.0 + 0.1 * seq, STALL if seq > 5 else None))
    assert state.trend() == pytest.approx(6.0)


def test_sparkline_scales_from_zero_to_the_peak() -> None:
    assert sparkline([0, 100, 200, 400, 800, 1200, 1200, None, 1200], 9) == " ▁▂▃▆██ █"
    assert sparkline([1500] * 120, 16) == "█" * 16  # steady at the peak: full, not flat
    assert sparkline([0, 0, 1200, 1200], 2) == " █"  # each bar the highest of its share
    assert sparkline([], 10) == ""


class TachlessBoard:
    """The board edge the firmware's Fan drives: a PWM pin, and a tach that never
    turns (the detection under test reads the duty alone)."""

    def fan(self, on: bool) -> None:
        pass

    def fan_pwm(self, level: int) -> None:
        pass

    def tach_count(self) -> int:
        return 0


def kick_story(demands: list[float | None], every: int, settings: dict[str, Any]
               ) -> Iterator[tuple[bool, bool]]:
    """The firmware's Fan driven at `demands` (None: a sensor fault's full power), one
    100 ms sample each, telemetry every `every` samples: (the monitor says kick-start,
    the firmware's kick is what runs it at full power) per reading."""
    state = MonitorState()
    state.apply(hello_event(settings))
    fan = Fan(TachlessBoard())
    for i, demand in enumerate(demands):
        if demand is None:
            fan.full(settings)
        else:
            fan.drive(demand, settings, 100)
        if i % every == 0:
            fault = "open" if demand is None else None
            msg = wire.tele("0000b007", i, i * 100, 25.0, 30000, 10000.0, fan.duty > 0,
                            settings, fault, fan.duty, None, demand=fan.target,
                            kick=fan.kicking())
            state.apply(Received(Message("tele", msg), at=T0))
            yield state.kick_start(), fan.kick_left_ms > 0 and fan.duty == 100.0 > fan.target


def test_kick_start_is_seen_while_the_firmware_kicks() -> None:
    settings = pwm(kick_start_ms=500)
    seen = list(kick_story([0.0] * 3 + [40.0] * 10 + [20.0] * 3 + [95.0] * 10, 1, settings))
    assert [s for s, _ in seen] == [k for _, k in seen]  # a reading every sample: exact
    assert sum(s for s, _ in seen) == 10  # two kicks of five samples
    # A switched fan has no kick-start, and a fault's 100 % is the fault's.
    switch = merge(defaults(), {"kick_start_ms": 500})
    assert not any(s for s, _ in kick_story([0.0] * 3 + [100.0] * 10, 1, switch))
    assert not any(s for s, _ in kick_story([0.0, None, None, 100.0, 100.0], 1, settings))


@settings(max_examples=200)
@given(st.lists(st.sampled_from([0.0, 5.0, 30.0, 49.0, 60.0, 100.0, None]), max_size=60),
       st.integers(1, 7), st.sampled_from([0, 100, 300, 500, 2000]))
def test_kick_start_is_said_exactly_while_the_firmware_kicks_at_any_interval(
        demands: list[float | None], every: int, kick_ms: int) -> None:
    for said, kicking in kick_story(demands, every, pwm(kick_start_ms=kick_ms)):
        assert said == kicking
