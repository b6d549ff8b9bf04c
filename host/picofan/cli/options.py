"""The options commands share (a device command's --port, --sim, --timeout) and the
argparse types of the command line's numbers: each refuses a bad value with one line
saying what it takes (NaN and infinity too)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from picofan.cli import completion

MAX_TIMEOUT_S = 3600.0
MAX_DURATION_S = 366 * 86400.0  # a year: beyond it a wait would overflow the OS's timers
MAX_SIMS = 100  # virtual Picos one `picofan bridge --sim N` starts
PORT_HELP = "serial port (default: the only Pico plugged in)"


def device_command(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command that talks to one board: on --port, or the only Pico plugged in, or a
    virtual Pico of its own (--sim); picofan.session opens it."""
    c: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    c.add_argument("--port", help=PORT_HELP
                   ).completer = completion.port_words  # type: ignore[attr-defined]
    c.add_argument("--sim", action="store_true", help="start a virtual Pico and use it")
    c.add_argument("--sim-speed", type=sim_speed, default=1.0, help=argparse.SUPPRESS)
    c.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0,
                   help="reply timeout, seconds")
    return c


def _float(text: str) -> float:
    """The number, or NaN (which every range below refuses)."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _whole(text: str) -> int:
    """The whole number, or 0 (which every range below refuses)."""
    try:
        return int(text)
    except ValueError:
        return 0


def seconds(most: float) -> Callable[[str], float]:
    """An argparse type: a finite number of seconds above 0, at most `most`."""

    def parse(text: str) -> float:
        value = _float(text)
        if not 0 < value <= most:  # also refuses NaN
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of seconds above 0 and at most {most:g}")
        return value

    return parse


def number(low: float, high: float, what: str, *, low_ok: bool) -> Callable[[str], float]:
    """An argparse type: a finite number in (low or [low) … high]."""

    def parse(text: str) -> float:
        value = _float(text)
        if not ((low <= value) if low_ok else (low < value)) or not value <= high:
            lowest = f"{low:g} or more" if low_ok else f"above {low:g}"
            raise argparse.ArgumentTypeError(f"{text!r}: {what} is a number {lowest}, "
                                             f"at most {high:g}")
        return value

    return parse


def sim_speed(text: str) -> float:
    value = _float(text)
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the speed is a number, 0 (as fast as possible) or more")
    return value


def positive_count(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def sim_count(text: str) -> int:
    value = _whole(text)
    if not 1 <= value <= MAX_SIMS:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of virtual Picos, 1 to {MAX_SIMS}")
    return value
