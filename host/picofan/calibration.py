"""Calibrating the thermistor from reference points: the pure core that `picofan calibrate`
and the monitor's calibration screen share.

A Point is what a reference thermometer said and the ohms the board averaged while its
reading was stable (Settling decides when). fit() turns 1, 2 or 3+ points into the
settings to push:
- 1 point: an offset. The Beta model keeps its Beta and moves R0 so the curve passes
  through the point; Steinhart-Hart moves A (a constant shift of 1/T), the same thing.
- 2 points: Beta and R0 (at the current T0) through both points.
- 3 or more: Steinhart-Hart A, B, C, exact through 3 points, least squares beyond.
It refuses (CalibrationError, one line) a fit that is not monotonic over -20..100 degC,
whose values fall outside the settings' limits, or that extrapolates wildly: a real
NTC's local Beta (d ln R / d(1/T)) stays within about 10 % of its Beta between two
points across -20..100 degC, so a Steinhart-Hart fit whose local Beta strays more than
WILD_BETA (15 %) from the Beta between the outermost points is noise, not a thermistor.
The conversion math is fanctl.thermistor's and picofan.spec.curve's; the checks are
fanctl.settings' own. History keeps what each push replaced, per board, for an undo.
docs/calibration.md explains it for users."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fanctl import settings as board_settings
from fanctl import thermistor
from fanctl.thermistor import KELVIN
from picofan.spec import curve

# The settings a calibration changes, and an undo puts back.
CONVERSION = ("model", "r0", "t0", "beta", "sh_a", "sh_b", "sh_c")
# The span the fit is shown and checked over, degC, and its grid step.
SPAN_C = (-20.0, 100.0)
GRID_STEP_C = 5.0
MIN_GAP_C = 2.0  # reference points closer than this cannot tell a slope from noise
WILD_BETA = 0.15  # how far the local Beta may stray from the outermost points' Beta

# Settling, sized for the default telemetry (one reading a second): the reading is
# stable once a WINDOW_S-long run of readings drifts less than MAX_DRIFT_C_PER_MIN.
# A bead in a stirred bath (time constant a few seconds) left drifting that slowly is
# within ~0.01 degC of the bath; the window's least-squares slope has a noise of about
# 0.02 degC/min at the board's ~0.006 degC reading noise, well under the limit.
WINDOW_S = 15.0
MIN_READINGS = 5
MAX_DRIFT_C_PER_MIN = 0.06


class CalibrationError(Exception):
    """A fit refused; str() is the reason, one line."""


@dataclass(frozen=True)
class Point:
    reference_c: float  # what the reference thermometer said
    ohms: float  # the board's averaged ohms when the reading was stable


@dataclass(frozen=True)
class Fit:
    kind: str  # "offset" (1 point) | "beta" (2) | "steinhart" (3+)
    changes: dict[str, Any]  # the settings to push
    residuals: list[float]  # degC, fitted minus reference, one per point, in order
    # (degC by the new fit, degC by the current settings, ohms) over SPAN_C
    curve: list[tuple[float, float, float]]


def conversion_of(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a calibration changes (CONVERSION), of those `settings` has."""
    return {k: settings[k] for k in CONVERSION if k in settings}


def _full(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {**board_settings.defaults(), **settings}


def _inv_t(t_c: float) -> float:
    return 1.0 / (t_c + KELVIN)


def _check_points(points: Sequence[Point]) -> list[Point]:
    if not points:
        raise CalibrationError("no points: take at least one")
    for p in points:
        if not (math.isfinite(p.reference_c) and math.isfinite(p.ohms) and p.ohms > 0):
            raise CalibrationError(f"point {p.reference_c} degC, {p.ohms} ohms is not a reading")
        if not SPAN_C[0] - 30 <= p.reference_c <= SPAN_C[1] + 30:
            raise CalibrationError(f"a reference of {p.reference_c:g} degC is outside "
                                   f"{SPAN_C[0] - 30:g}..{SPAN_C[1] + 30:g} degC")
    ordered = sorted(points, key=lambda p: p.reference_c)
    for cold, warm in itertools.pairwise(ordered):
        gap = warm.reference_c - cold.reference_c
        if gap < MIN_GAP_C:
            raise CalibrationError(
                f"the points at {cold.reference_c:g} and {warm.reference_c:g} degC are "
                f"{gap:.2g} degC apart: take them at least {MIN_GAP_C:g} degC apart")
        if warm.ohms >= cold.ohms:
            raise CalibrationError(
                f"{warm.ohms:.1f} ohms at {warm.reference_c:g} degC is not below "
                f"{cold.ohms:.1f} ohms at {cold.reference_c:g} degC: an NTC's resistance "
                "falls as it warms (was the reading settled?)")
    return ordered


def _least_squares(rows: list[list[float]], ys: list[float]) -> list[float]:
    """Solve rows @ x ~= ys by modified Gram-Schmidt QR (columns scaled first)."""
    n = len(rows[0])
    cols = [[r[j] for r in rows] for j in range(n)]
    scale = [math.sqrt(sum(v * v for v in c)) or 1.0 for c in cols]
    q = [[v / s for v in c] for c, s in zip(cols, scale, strict=True)]
    r = [[0.0] * n for _ in range(n)]
    for j in range(n):
        for i in range(j):
            r[i][j] = sum(a * b for a, b in zip(q[i], q[j], strict=True))
            q[j] = [b - r[i][j] * a for a, b in zip(q[i], q[j], strict=True)]
        r[j][j] = math.sqrt(sum(v * v for v in q[j]))
        if r[j][j] < 1e-12:
            raise CalibrationError("the points do not determine a curve: spread them out")
        q[j] = [v / r[j][j] for v in q[j]]
    qty = [sum(a * b for a, b in zip(q[j], ys, strict=True)) for j in range(n)]
    x = [0.0] * n
    for j in reversed(range(n)):
        x[j] = (qty[j] - sum(r[j][k] * x[k] for k in range(j + 1, n))) / r[j][j]
    return [v / s for v, s in zip(x, scale, strict=True)]


def _changes(points: list[Point], current: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if len(points) == 1:
        (p,) = points
        if current["model"] == "steinhart":
            # Shift 1/T by a constant: the curve keeps its shape and passes through p.
            miss = _inv_t(p.reference_c) - _inv_t(thermistor.ohms_to_c(p.ohms, current))
            return "offset", {"model": "steinhart", "sh_a": current["sh_a"] + miss}
        r0 = p.ohms / math.exp(current["beta"] * (_inv_t(p.reference_c) - _inv_t(current["t0"])))
        return "offset", {"model": "beta", "r0": r0}
    if len(points) == 2:
        cold, warm = points
        beta = math.log(cold.ohms / warm.ohms) / (_inv_t(cold.reference_c)
                                                   - _inv_t(warm.reference_c))
        r0 = curve.c_to_beta_ohms(current["t0"], cold.ohms, cold.reference_c, beta)
        return "beta", {"model": "beta", "r0": r0, "beta": beta}
    if len(points) == 3:
        a, b, c = curve.steinhart_fit([(p.ohms, p.reference_c) for p in points])
    else:
        logs = [math.log(p.ohms) for p in points]
        a, b, c = _least_squares([[1.0, ln, ln ** 3] for ln in logs],
                                 [_inv_t(p.reference_c) for p in points])
    return "steinhart", {"model": "steinhart", "sh_a": a, "sh_b": b, "sh_c": c}


def _local_betas(new: dict[str, Any], lo_ohms: float, hi_ohms: float) -> list[float]:
    """d ln R / d(1/T) along the new curve from hi_ohms down to lo_ohms."""
    steps = 240
    out = []
    prev_ln = prev_inv = None
    for k in range(steps + 1):
        ln = math.log(hi_ohms) + (math.log(lo_ohms) - math.log(hi_ohms)) * k / steps
        t = thermistor.ohms_to_c(math.exp(ln), new)
        inv = _inv_t(t)
        if prev_ln is not None and prev_inv is not None:
            d_inv = inv - prev_inv
            out.append((ln - prev_ln) / d_inv if d_inv else math.inf)
        prev_ln, prev_inv = ln, inv
    return out


def _ohms_at(t_c: float, new: dict[str, Any], lo_ohms: float, hi_ohms: float) -> float:
    """The ohms the (checked, monotonic) new curve reads as t_c: bisection on the board's
    own forward conversion, as a Steinhart-Hart fit with C < 0 has no closed-form inverse
    in picofan.spec.curve."""
    lo, hi = math.log(lo_ohms), math.log(hi_ohms)
    for _ in range(80):
        mid = (lo + hi) / 2
        if thermistor.ohms_to_c(math.exp(mid), new) > t_c:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


def _refuse_bad_curve(points: list[Point], new: dict[str, Any]) -> tuple[float, float]:
    """Refuse a curve that cannot be a thermistor; the ohms bracketing SPAN_C if it can."""
    lo_c, hi_c = SPAN_C
    # Where the new curve should be at the span's ends: found by walking ohms (the
    # forward conversion, always defined) rather than inverting a cubic that may not be.
    cold, warm = points[0], points[-1]
    guess_beta = 3950.0 if len(points) == 1 else (
        math.log(cold.ohms / warm.ohms) / (_inv_t(cold.reference_c) - _inv_t(warm.reference_c)))
    guess_beta = min(max(guess_beta, 1000.0), 10000.0)
    # Generously past the span's ends: three times the ohms at -20, a third of those at 100.
    hi_ohms = curve.c_to_beta_ohms(lo_c, cold.ohms, cold.reference_c, guess_beta) * 3
    lo_ohms = curve.c_to_beta_ohms(hi_c, warm.ohms, warm.reference_c, guess_beta) / 3
    try:
        temps = []
        for k in range(481):
            ln = math.log(hi_ohms) + (math.log(lo_ohms) - math.log(hi_ohms)) * k / 480
            temps.append((thermistor.ohms_to_c(math.exp(ln), new), math.exp(ln)))
    except (ArithmeticError, ValueError) as e:
        raise CalibrationError(f"the fit gives no temperature for some readings ({e})") from e
    inside = [i for i, (t, _) in enumerate(temps) if lo_c <= t <= hi_c]
    near = set(inside)
    for i in range(1, len(temps)):
        if (i in near or i - 1 in near) and not temps[i][0] > temps[i - 1][0]:
            raise CalibrationError(
                f"the fit is not monotonic over {lo_c:g}..{hi_c:g} degC: the temperature "
                f"stops rising as the resistance falls near {temps[i][1]:.0f} ohms "
                f"({temps[i][0]:.1f} degC)")
    if not inside or temps[0][0] > lo_c or temps[-1][0] < hi_c:
        raise CalibrationError(f"the fit does not cover {lo_c:g}..{hi_c:g} degC")
    bracket = (temps[-1][1], temps[0][1])
    if new["model"] != "steinhart" or len(points) < 2:
        return bracket
    outer = math.log(cold.ohms / warm.ohms) / (_inv_t(cold.reference_c) - _inv_t(warm.reference_c))
    span_hi, span_lo = temps[inside[0]][1], temps[inside[-1]][1]
    for local in _local_betas(new, span_lo, span_hi):
        if not abs(local / outer - 1) <= WILD_BETA:
            raise CalibrationError(
                f"the fit extrapolates wildly: its Beta runs to {local:.0f} K within "
                f"{lo_c:g}..{hi_c:g} degC, more than {WILD_BETA:.0%} from the {outer:.0f} K "
                "between your outermost points (spread the points wider, or let each settle)")
    return bracket


def fit(points: Sequence[Point], settings: Mapping[str, Any]) -> Fit:
    """The calibration the points call for, checked; or CalibrationError."""
    current = _full(settings)
    ordered = _check_points(points)
    try:
        kind, changes = _changes(ordered, current)
    except (ArithmeticError, ValueError) as e:
        raise CalibrationError(f"no fit through these points ({e})") from e
    # The shape first (its reason is the useful one), then the board's own checks.
    lo_ohms, hi_ohms = _refuse_bad_curve(ordered, {**current, **changes})
    try:
        new = board_settings.merge(current, changes)
    except board_settings.Invalid as e:
        raise CalibrationError(f"the fit is outside the settings' limits: {e.msg}") from e
    residuals = [thermistor.ohms_to_c(p.ohms, new) - p.reference_c for p in points]
    grid = []
    steps = round((SPAN_C[1] - SPAN_C[0]) / GRID_STEP_C)
    for k in range(steps + 1):
        t = SPAN_C[0] + GRID_STEP_C * k
        ohms = _ohms_at(t, new, lo_ohms, hi_ohms)
        grid.append((thermistor.ohms_to_c(ohms, new), thermistor.ohms_to_c(ohms, current), ohms))
    return Fit(kind, changes, residuals, grid)


class Settling:
    """Feed it the board's readings; it says when the reading has stopped moving."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = _full(settings)
        self.readings: list[tuple[int, float, float]] = []  # (ms, ohms, degC)
        self.progress = 0.0
        self.stable = False
        self.ohms: float | None = None
        self.temp_c: float | None = None
        self.drift_c_per_min: float | None = None

    def restart(self) -> None:
        self.readings.clear()
        self.progress, self.stable = 0.0, False
        self.ohms = self.temp_c = self.drift_c_per_min = None

    def add(self, ohms: float | None, ms: int) -> None:
        """One reading (its ohms and the board's ms clock); None, a fault, restarts."""
        if ohms is None or not ohms > 0 or (self.readings and ms <= self.readings[-1][0]):
            self.restart()  # a fault, or a clock that went back: the board restarted
            if ohms is None or not ohms > 0:
                return
        try:
            temp = thermistor.ohms_to_c(ohms, self.settings)
        except (ArithmeticError, ValueError):
            self.restart()
            return
        self.readings.append((ms, ohms, temp))
        while self.readings[-1][0] - self.readings[0][0] > WINDOW_S * 1000:
            self.readings.pop(0)
        span_s = (self.readings[-1][0] - self.readings[0][0]) / 1000
        n = len(self.readings)
        self.ohms = sum(r[1] for r in self.readings) / n
        self.temp_c = thermistor.ohms_to_c(self.ohms, self.settings)
        if n < 2:
            self.progress, self.stable = 0.0, False
            return
        ts = [r[0] / 1000 for r in self.readings]
        mean_t = sum(ts) / n
        mean_c = sum(r[2] for r in self.readings) / n
        sxx = sum((t - mean_t) ** 2 for t in ts)
        slope = sum((t - mean_t) * (r[2] - mean_c) for t, r in zip(ts, self.readings,
                                                                    strict=True)) / sxx
        self.drift_c_per_min = slope * 60
        # Settle by the window filling up and the drift falling below its limit.
        filled = min(1.0, span_s / (WINDOW_S * 0.999), n / MIN_READINGS)
        calm = min(1.0, MAX_DRIFT_C_PER_MIN / max(abs(self.drift_c_per_min), 1e-9))
        self.stable = filled >= 1.0 and calm >= 1.0
        self.progress = 1.0 if self.stable else min(0.99, filled * calm)


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "picofan"


class History:
    """The calibrations pushed to one board (by its uid), newest last, for --undo."""

    def __init__(self, uid: str, root: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", uid) or "unknown"
        self.path = (root or state_dir()) / f"calibration-{safe}.json"
        self.uid = uid

    def entries(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        found = data.get("calibrations") if isinstance(data, dict) else None
        return [e for e in found if isinstance(e, dict) and isinstance(e.get("before"), dict)
                ] if isinstance(found, list) else []

    def _write(self, entries: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"uid": self.uid, "calibrations": entries}, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def record(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        entry = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "before": dict(before),
                 "after": dict(after)}
        self._write([*self.entries(), entry])

    def previous(self) -> dict[str, Any] | None:
        found = self.entries()
        return dict(found[-1]["before"]) if found else None

    def undone(self) -> None:
        found = self.entries()
        if found:
            self._write(found[:-1])
