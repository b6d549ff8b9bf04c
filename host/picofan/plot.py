"""`picofan plot FILE.csv`: a saved log as a PNG, drawn as the monitor draws it:
the temperature, the fan's ON and OFF thresholds, the periods the fan ran, faults,
and the board's restarts. Needs matplotlib (`pip install 'picofan[plot]'`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path

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


def read_log(path: Path) -> list[Reading]:
    """The readings of a picofan CSV, or PlotError naming the file and the problem."""
    try:
        rows = logger.read_log(path)
    except logger.LogReadError as e:
        raise PlotError(str(e)) from None
    out = []
    for at, m in rows:
        off_at, on_at = thresholds(m)
        out.append(Reading(at, m["boot"], m["temp"], m["fan"], on_at, off_at, m["fault"]))
    return out


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
    readings = read_log(csv_path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.dates import date2num
    except ImportError:
        raise PlotError("picofan plot needs matplotlib: pip install 'picofan[plot]'") from None
    times = [r.at for r in readings]
    x = [float(v) for v in date2num(times)]  # matplotlib's date numbers
    at = dict(zip(times, x, strict=True))
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
                       label="sensor fault (fan forced on)" if i == 0 else None)
        restarts = [b.at for a, b in pairwise(readings) if a.boot != b.boot]
        for i, when in enumerate(restarts):
            ax.axvline(at[when], color="black", ls="--", lw=1, label="board restarted" if i == 0
                       else None)
        ax.set_title(f"{csv_path.name}: {len(readings)} readings, "
                     f"{times[0]:%Y-%m-%d %H:%M:%S} to {times[-1]:%H:%M:%S}")
        ax.set_ylabel("°C")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")  # off the data
        fig.autofmt_xdate()
        fig.tight_layout()
        try:
            fig.savefig(png_path)
        except OSError as e:
            raise PlotError(f"cannot write {png_path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
    return len(readings)
