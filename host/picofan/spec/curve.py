"""Degrees C -> ohms -> divider ratio -> ADC counts: the inverse of the board's
conversion (fanctl.thermistor), for tables, the simulator and fitting a part."""

from __future__ import annotations

from collections.abc import Mapping
from math import exp, log, sqrt
from typing import Any

from fanctl.thermistor import FULL_SCALE, KELVIN


def ohms_to_ratio(ohms: float, r_fixed: float, ntc_to_3v3: bool = True) -> float:
    if ntc_to_3v3:
        return r_fixed / (ohms + r_fixed)
    return ohms / (ohms + r_fixed)


def c_to_beta_ohms(t_c: float, r0: float, t0_c: float, beta: float) -> float:
    return r0 * exp(beta * (1.0 / (t_c + KELVIN) - 1.0 / (t0_c + KELVIN)))


def c_to_steinhart_ohms(t_c: float, a: float, b: float, c: float) -> float:
    """Closed-form inverse of Steinhart-Hart (solves the cubic in ln R)."""
    if c == 0:
        return exp((1.0 / (t_c + KELVIN) - a) / b)
    y = (a - 1.0 / (t_c + KELVIN)) / c
    x = sqrt((b / (3.0 * c)) ** 3 + y * y / 4.0)
    return exp((x - y / 2.0) ** (1.0 / 3.0) - (x + y / 2.0) ** (1.0 / 3.0))


def steinhart_fit(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """A, B, C through three (ohms, degrees C) points."""
    (r1, t1), (r2, t2), (r3, t3) = points
    l1, l2, l3 = log(r1), log(r2), log(r3)
    y1, y2, y3 = 1 / (t1 + KELVIN), 1 / (t2 + KELVIN), 1 / (t3 + KELVIN)
    g2 = (y2 - y1) / (l2 - l1)
    g3 = (y3 - y1) / (l3 - l1)
    c = (g3 - g2) / (l3 - l2) / (l1 + l2 + l3)
    b = g2 - c * (l1 * l1 + l1 * l2 + l2 * l2)
    a = y1 - (b + l1 * l1 * c) * l1
    return a, b, c


def c_to_ohms(t_c: float, settings: Mapping[str, Any]) -> float:
    if settings["model"] == "steinhart":
        return c_to_steinhart_ohms(t_c, settings["sh_a"], settings["sh_b"], settings["sh_c"])
    return c_to_beta_ohms(t_c, settings["r0"], settings["t0"], settings["beta"])


def c_to_counts(t_c: float, settings: Mapping[str, Any]) -> int:
    """What an ideal ADC would read at t_c."""
    ratio = ohms_to_ratio(c_to_ohms(t_c, settings), settings["r_fixed"],
                          settings["divider"] == "ntc_to_3v3")
    counts: int = round(ratio * FULL_SCALE)  # (FULL_SCALE is a const(): Any to mypy)
    return counts
