"""What the calibration screen writes: the settling bar, the values a push sends,
the points with their residuals, and the fit against the current curve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

from fanctl.thermistor import ohms_to_c
from picofan.calibration import Fit, Point

CURVE_AT_C = (-20, 0, 20, 40, 60, 80, 100)  # the curve table's rows (nearest grid point)
BAR_CELLS = 20


def bar(progress: float, cells: int = BAR_CELLS) -> str:
    """████████░░░░ for 0..1."""
    full = round(max(0.0, min(progress, 1.0)) * cells)
    return "█" * full + "░" * (cells - full)


def signed(value: float) -> str:
    return f"{round(value, 2) + 0.0:+.2f}"  # (+ 0.0: no "-0.00")


def degrees(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"


def values_text(changes: Mapping[str, Any]) -> str:
    """"model=beta r0=10012.3 beta=3961.25": floats to 6 figures, for reading (the
    board gets them whole)."""
    return " ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in changes.items())


def points_table(points: list[Point], settings: Mapping[str, Any],
                 residuals: list[float] | None) -> Table:
    """Each point: the reference, the board's ohms, what the board reads there now,
    and the fit's residual (fitted minus reference)."""
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("#", "ref °C", "ohms", "now °C", "resid."):
        table.add_column(name, justify="right", no_wrap=True)
    for i, p in enumerate(points):
        residual = signed(residuals[i]) if residuals and i < len(residuals) else "—"
        table.add_row(str(i + 1), degrees(p.reference_c), f"{p.ohms:.1f}",
                      degrees(ohms_to_c(p.ohms, settings)), residual)
    return table


def curve_rows(curve: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """The grid points nearest CURVE_AT_C by the new fit, once each, in order."""
    if not curve:
        return []
    picked = []
    for at in CURVE_AT_C:
        row = min(curve, key=lambda r: abs(r[0] - at))
        if row not in picked:
            picked.append(row)
    return picked


def curve_table(found: Fit) -> Table:
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("ohms", "now °C", "fit °C", "Δ °C"):
        table.add_column(name, justify="right", no_wrap=True)
    for new_c, now_c, ohms in curve_rows(found.curve):
        table.add_row(f"{ohms:.0f}", degrees(now_c), degrees(new_c), signed(new_c - now_c))
    return table
