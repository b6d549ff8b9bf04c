"""The monitor's plain-Python parts: what it knows (MonitorState), what the
panels say, the plot's axis, the status bar's shortened paths."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.client import Received
from picofan.monitor.app import shorten
from picofan.monitor.band import band_text
from picofan.monitor.plot import even_ticks
from picofan.monitor.state import MonitorState
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
