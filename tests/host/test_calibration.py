"""The calibration core (picofan.calibration): fits recover the parts that made the
readings, refusals give their reason, Settling waits for a still reading at the
default telemetry, History keeps what an undo needs, per board, written atomically."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from fanctl import thermistor
from fanctl.settings import defaults, merge
from picofan.calibration import (
    MAX_DRIFT_C_PER_MIN,
    WINDOW_S,
    CalibrationError,
    History,
    Point,
    Settling,
    fit,
)
from picofan.spec import curve

# A real part off its nominal values: R25 +1 %, Beta -1 % (the simulator's tolerance).
R0, BETA = 10100.0, 3910.5
# Published Steinhart-Hart coefficients of a common 10k NTC (tests/firmware too).
SH = (1.009249522e-3, 2.378405444e-4, 2.019202697e-7)


def beta_part(t_c: float) -> float:
    return curve.c_to_beta_ohms(t_c, R0, 25.0, BETA)


def sh_part(t_c: float) -> float:
    return curve.c_to_steinhart_ohms(t_c, *SH)


def worst_error(changes: dict, part, lo: float = -20, hi: float = 100) -> float:
    """Worst |board reading - truth| over lo..hi with the calibration pushed."""
    s = merge(defaults(), changes)
    return max(abs(thermistor.ohms_to_c(part(t), s) - t) for t in range(int(lo), int(hi) + 1))


def test_defaults_read_a_real_part_off():
    # The reason to calibrate: the nominal settings misread the 1 % part.
    assert worst_error({}, beta_part, 10, 60) > 0.2


def test_one_point_is_an_offset_through_the_point():
    f = fit([Point(25.0, beta_part(25.0))], defaults())
    assert f.kind == "offset"
    assert f.changes["model"] == "beta" and "beta" not in f.changes
    assert f.changes["r0"] == pytest.approx(R0, rel=1e-9)  # the part's R25 at T0 = 25
    assert f.residuals == [pytest.approx(0.0, abs=1e-9)]
    # Right at the point; the Beta tolerance still shows away from it.
    assert worst_error(f.changes, beta_part, 20, 30) < 0.06


def test_one_point_on_steinhart_shifts_a():
    current = merge(defaults(), {"model": "steinhart", "sh_a": SH[0], "sh_b": SH[1],
                                 "sh_c": SH[2]})
    truth = curve.c_to_steinhart_ohms(0.0, SH[0] - 2e-6, SH[1], SH[2])
    f = fit([Point(0.0, truth)], current)
    assert f.kind == "offset" and set(f.changes) == {"model", "sh_a"}
    assert f.changes["sh_a"] == pytest.approx(SH[0] - 2e-6, rel=1e-9)


def test_two_points_recover_beta_and_r0():
    f = fit([Point(0.0, beta_part(0.0)), Point(50.0, beta_part(50.0))], defaults())
    assert f.kind == "beta"
    assert f.changes["beta"] == pytest.approx(BETA, rel=1e-9)
    assert f.changes["r0"] == pytest.approx(R0, rel=1e-9)
    assert max(abs(r) for r in f.residuals) < 1e-9
    assert worst_error(f.changes, beta_part) < 1e-6


def test_three_points_recover_steinhart():
    points = [Point(t, sh_part(t)) for t in (0.0, 25.0, 50.0)]
    f = fit(points, defaults())
    assert f.kind == "steinhart"
    assert [f.changes[k] for k in ("sh_a", "sh_b", "sh_c")] == pytest.approx(list(SH), rel=1e-6)
    assert worst_error(f.changes, sh_part) < 1e-6


def test_four_points_least_squares_and_residuals():
    rng = random.Random(4)
    temps = [0.0, 22.0, 37.0, 55.0]
    # The references are off by up to 0.05 degC: the fit cannot pass through them all.
    refs = [t + rng.uniform(-0.05, 0.05) for t in temps]
    points = [Point(r, sh_part(t)) for r, t in zip(refs, temps, strict=True)]
    f = fit(points, defaults())
    assert f.kind == "steinhart"
    s = merge(defaults(), f.changes)
    assert f.residuals == pytest.approx(
        [thermistor.ohms_to_c(p.ohms, s) - p.reference_c for p in points])
    assert 0 < max(abs(r) for r in f.residuals) < 0.05
    assert worst_error(f.changes, sh_part, 0, 55) < 0.1
    # Exact data: a least-squares fit through 4 points of a Steinhart part recovers it.
    exact = fit([Point(t, sh_part(t)) for t in temps], defaults())
    assert worst_error(exact.changes, sh_part) < 1e-4


def test_curve_spans_minus_20_to_100_new_against_current():
    f = fit([Point(0.0, beta_part(0.0)), Point(50.0, beta_part(50.0))], defaults())
    temps = [new for new, _, _ in f.curve]
    assert temps[0] == pytest.approx(-20) and temps[-1] == pytest.approx(100)
    for new, old, ohms in f.curve:
        assert new == pytest.approx(thermistor.ohms_to_c(ohms, merge(defaults(), f.changes)))
        assert old == pytest.approx(thermistor.ohms_to_c(ohms, defaults()))
    assert max(abs(new - old) for new, old, _ in f.curve) > 0.3  # the part is off nominal


def refusal(points, settings=None) -> str:
    with pytest.raises(CalibrationError) as e:
        fit(points, settings or defaults())
    text = str(e.value)
    assert "\n" not in text and text
    return text


def test_refuses_points_whose_ohms_rise_with_temperature():
    why = refusal([Point(0.0, beta_part(50.0)), Point(50.0, beta_part(0.0))])
    assert "falls as it warms" in why


def test_refuses_points_too_close():
    assert "apart" in refusal([Point(25.0, beta_part(25.0)), Point(25.5, beta_part(25.5))])


def test_refuses_wild_extrapolation():
    # Three points 3 degC apart with 0.02 degC of error in the middle one: a cubic that
    # wanders off a thermistor's shape far from the points.
    points = [Point(20.0, beta_part(20.0)), Point(23.0, beta_part(23.02)),
              Point(26.0, beta_part(26.0))]
    assert "extrapolates wildly" in refusal(points)
    # The same error with the points spread over ice, room and warm water is fine.
    fit([Point(0.0, beta_part(0.0)), Point(25.0, beta_part(25.02)),
         Point(50.0, beta_part(50.0))], defaults())


def test_refuses_a_curve_that_is_not_monotonic():
    points = [Point(0.0, beta_part(0.0)), Point(25.0, beta_part(30.0)),
              Point(50.0, beta_part(50.0))]
    assert "not monotonic" in refusal(points)


def test_refuses_values_outside_the_settings_limits():
    # Two points that make a Beta of ~800 K (the setting's limit is 1000 K).
    why = refusal([Point(0.0, 13000.0), Point(60.0, 7674.0)])
    assert "limits" in why and "beta must be between" in why


def test_refuses_no_points_and_non_readings():
    assert refusal([])
    assert refusal([Point(float("nan"), 1000.0)])
    assert refusal([Point(20.0, -5.0)])


# Settling, at the default telemetry: one reading a second (interval_ms 1000).
STEP_MS = defaults()["interval_ms"]


def feed(settling: Settling, temps, start_ms: int = 0) -> int:
    ms = start_ms
    for t in temps:
        ms += STEP_MS
        settling.add(beta_part(t), ms)
    return ms


def test_a_still_reading_becomes_stable():
    s = Settling(defaults())
    rng = random.Random(1)
    seen = []
    ms = 0
    for _ in range(int(WINDOW_S) + 5):
        ms = feed(s, [20.0 + rng.gauss(0, 0.006)], ms)  # the board's reading noise
        seen.append(s.progress)
    assert s.stable and s.progress == 1.0
    assert seen[0] < seen[len(seen) // 2] <= 1.0  # the indicator fills as it waits
    assert s.temp_c == pytest.approx(thermistor.ohms_to_c(beta_part(20.0), defaults()),
                                     abs=0.01)
    assert s.ohms == pytest.approx(beta_part(20.0), rel=1e-3)


def test_a_drifting_reading_is_never_stable():
    s = Settling(defaults())
    drift = 2 * MAX_DRIFT_C_PER_MIN / 60  # degC a second, twice the limit
    for k in range(120):
        feed(s, [20.0 + drift * k], k * STEP_MS)
        assert not s.stable
        assert s.progress < 1.0


def test_a_bead_settling_in_a_bath_becomes_stable_after_it_stops_moving():
    s = Settling(defaults())
    tau = 3.0  # seconds, a bead in stirred water
    stable_at = None
    for k in range(90):
        t = 0.0 + 22.0 * 2.718281828 ** (-k / tau)
        feed(s, [t], k * STEP_MS)
        if s.stable and stable_at is None:
            stable_at = k
            assert s.temp_c is not None and abs(s.temp_c - thermistor.ohms_to_c(
                beta_part(0.0), defaults())) < 0.02
    assert stable_at is not None and stable_at >= WINDOW_S


def test_a_fault_restarts_settling():
    s = Settling(defaults())
    ms = feed(s, [20.0] * 30)
    assert s.stable
    s.add(None, ms + STEP_MS)
    assert not s.stable and s.progress == 0.0 and s.ohms is None
    feed(s, [20.0] * 3, ms + STEP_MS)
    assert not s.stable


def test_a_board_restart_restarts_settling():
    s = Settling(defaults())
    feed(s, [20.0] * 30, 100_000)
    assert s.stable
    feed(s, [20.0] * 2, 0)  # its ms clock went back: a reboot
    assert not s.stable


def test_history_per_uid_and_atomic(tmp_path: Path):
    a, b = History("e6614c311b7e8a2f", tmp_path), History("0011223344556677", tmp_path)
    assert a.previous() is None
    before1 = {"model": "beta", "r0": 10000.0, "beta": 3950.0}
    after1 = {"model": "beta", "r0": 10100.0, "beta": 3910.0}
    after2 = {"model": "steinhart", "sh_a": 1e-3, "sh_b": 2.4e-4, "sh_c": 2e-7}
    a.record(before1, after1)
    a.record(after1, after2)
    assert b.previous() is None  # another board's history is its own
    assert History("e6614c311b7e8a2f", tmp_path).previous() == after1  # read from disk
    a.undone()
    assert a.previous() == before1
    a.undone()
    assert a.previous() is None
    # Written by rename: no temporary file is left beside it, and it is whole JSON.
    a.record(before1, after1)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert json.loads(a.path.read_text())["calibrations"][0]["before"] == before1


def test_history_default_dir_is_xdg_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    h = History("abc")
    h.record({"r0": 1.0}, {"r0": 2.0})
    assert h.path.parent == tmp_path / "picofan"
    assert os.path.exists(h.path)


def test_history_survives_a_corrupt_file(tmp_path: Path):
    h = History("abc", tmp_path)
    h.path.write_text("{not json")
    assert h.previous() is None
    h.record({"r0": 1.0}, {"r0": 2.0})
    assert h.previous() == {"r0": 1.0}
