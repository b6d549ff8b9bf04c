"""`picofan plot FILE.csv`: a saved log as a PNG, drawn as the monitor draws it:
the temperature, the fan's ON and OFF thresholds, the periods the fan ran, faults,
and the board's restarts; below them the fan's duty (and its rpm, with a tach) when the
log has them (an older picofan's logs do not). Needs matplotlib (the `plot` extra:
`pip install '.[plot]'` in a clone)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from fanctl.control import thresholds
from picofan import logger


class PlotError(Exception):
    """A log that cannot be plotted, or no matplotlib; the message says why."""


@dataclass(frozen=True)
class Reading:
    at: datetime
    boot: str
    temp: float | None
    fan: bool
    on_at: float
    off_at: float
    fault: str | None
    duty: float  # percent as driven
    rpm: int | None  # None: no tach


def read_log(path: Path) -> tuple[list[Reading], bool]:
    """The readings of a picofan CSV, and whether it logged the duty (an older picofan's
    did not); or PlotError naming the file and the problem."""
    try:
        columns, rows = logger.read_log_file(path)
    except logger.LogReadError as e:
        raise PlotError(str(e)) from None
    out = []
    for at, m in rows:
        off_at, on_at = thresholds(m)
        out.append(Reading(at, m["boot"], m["temp"], m["fan"], on_at, off_at, m["fault"],
                           m["duty"], m["rpm"]))
    return out, "duty" in columns


def _spans(readings: list[Reading], on: list[bool]) -> list[tuple[datetime, datetime]]:
    """(start, end) of each run of readings where `on` holds."""
    spans = []
    start = None
    for r, flag in zip(readings, on, strict=True):
        if flag and start is None:
            start = r.at
        elif not flag and start is not None:
            spans.append((start, r.at))
            start = None
    if start is not None:
        spans.append((start, readings[-1].at))
    return spans


def plot(csv_path: Path, png_path: Path) -> int:
    """Draw csv_path into png_path; -> the number of readings drawn."""
    readings, has_duty = read_log(csv_path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.dates import date2num
    except ImportError:
        # This interpreter's pip: the environment picofan runs from, however installed.
        raise PlotError("picofan plot needs matplotlib: "
                        f"{sys.executable} -m pip install matplotlib") from None
    times = [r.at for r in readings]
    x = [float(v) for v in date2num(times)]  # matplotlib's date numbers
    at = dict(zip(times, x, strict=True))
    if has_duty:  # the temperature above, the fan's duty (and rpm) below, one time axis
        fig, (ax, fan_ax) = plt.subplots(2, 1, figsize=(11, 6.5), dpi=100, sharex=True,
                                         gridspec_kw={"height_ratios": (3, 1)})
    else:
        fig, ax = plt.subplots(figsize=(11, 5), dpi=100)
    ax.xaxis_date(tz=times[0].tzinfo)  # the log's own local time
    try:
        ax.step(x, [r.on_at for r in readings], where="post", color="tab:red", lw=1,
                label="fan on ≥")
        ax.step(x, [r.off_at for r in readings], where="post", color="tab:blue", lw=1,
                label="fan off ≤")
        # None leaves a gap in the line: no temperature during a fault
        ax.plot(x, [r.temp if r.temp is not None else float("nan") for r in readings],
                color="tab:green", lw=1.5, label="temperature °C")
        for i, (start, end) in enumerate(_spans(readings, [r.fan for r in readings])):
            ax.axvspan(at[start], at[end], color="tab:orange", alpha=0.15, lw=0,
                       label="fan ON" if i == 0 else None)
        for i, (start, end) in enumerate(_spans(readings, [r.fault is not None
                                                           for r in readings])):
            ax.axvspan(at[start], at[end], color="tab:red", alpha=0.25, lw=0,
                       label="fault (fan at full power)" if i == 0 else None)
        restarts = [b.at for a, b in pairwise(readings) if a.boot != b.boot]
        for i, when in enumerate(restarts):
            ax.axvline(at[when], color="black", ls="--", lw=1, label="board restarted" if i == 0
                       else None)
        ax.set_title(f"{csv_path.name}: {len(readings)} readings, "
                     f"{times[0]:%Y-%m-%d %H:%M:%S} to {times[-1]:%H:%M:%S}")
        ax.set_ylabel("°C")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")  # off the data
        if has_duty:
            _draw_fan(fan_ax, x, readings)
        fig.autofmt_xdate()
        fig.tight_layout()
        try:
            fig.savefig(png_path)
        except OSError as e:
            raise PlotError(f"cannot write {png_path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
    return len(readings)


def _draw_fan(ax: Any, x: list[float], readings: list[Reading]) -> None:
    """The fan's duty as driven (percent), and its rpm on a right-hand axis when the
    log has a tach's readings."""
    ax.step(x, [r.duty for r in readings], where="post", color="tab:purple", lw=1.2,
            label="duty %")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("duty %")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if any(r.rpm is not None for r in readings):
        rpm_ax = ax.twinx()
        # None leaves a gap: no tach reading then
        rpm_ax.step(x, [float("nan") if r.rpm is None else r.rpm for r in readings],
                    where="post", color="tab:brown", lw=1, label="rpm")
        rpm_ax.set_ylabel("rpm")
        rpm_ax.set_ylim(bottom=0)
        more_handles, more_labels = rpm_ax.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.06, 1.0),
              fontsize="small")
