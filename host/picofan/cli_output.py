"""What the `picofan` command writes: its error line (and, with --json, the error as a
JSON object on stdout for scripts), lines for a reader who may have gone (`| head`),
counts in good English, and the board's settings grouped as docs/protocol.md groups
them, with their units from the settings table (fanctl.settings.SPEC)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from typing import Any

from fanctl import settings as board_settings

OK, DEVICE_ERROR, BAD_INPUT, NO_LINK = 0, 1, 2, 3
READER_GONE = 128 + signal.SIGPIPE  # the reader of stdout went away (`| head`): as git does
# The error object's code for each exit status (a device's refusal carries its own code).
ERROR_CODES = {DEVICE_ERROR: "device_error", BAD_INPUT: "bad_input", NO_LINK: "no_link"}

json_errors = False  # set by main when the command line asks for --json


def fail(code: int, text: str, device_code: str | None = None) -> int:
    """The one error line on stderr; with --json also {"error": {...}} on stdout."""
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
        print(f"picofan: {text}", file=sys.stderr)
    if json_errors:
        kind = device_code or ERROR_CODES.get(code, "stopped")
        show(json.dumps({"error": {"exit": code, "code": kind, "message": text}}))
    return code


def quiet_stdout() -> None:
    """Point stdout at /dev/null: nothing more goes out, and the interpreter's last
    flush stays quiet (Python's own recipe for a closed pipe)."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def show(text: str, file: Any = None) -> bool:
    """Print a line for the person watching; False once nobody can read it (a
    closed pipe, `| head`, or a closed terminal)."""
    try:
        print(text, file=file or sys.stdout, flush=True)
    except OSError:
        if file is None or file is sys.stdout:
            quiet_stdout()
        else:
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, file.fileno())
                os.close(null)
        return False
    return True


def count(n: int, thing: str) -> str:
    """'1 reading', '2 readings', '0 readings'."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


# docs/protocol.md's groups of settings: each is a title and its first setting, in the
# settings table's order (a group runs to the next one's first setting).
GROUPS = (("What to hold", "setpoint"), ("Switching", "min_on_ms"),
          ("The fan output", "output"), ("Auto mode", "control"),
          ("The fan's limits", "min_duty"), ("The tach", "tach"),
          ("Timing", "interval_ms"), ("The thermistor", "divider"),
          ("The board", "watchdog_ms"))


def settings_lines(values: dict[str, Any]) -> list[str]:
    """The board's settings, in groups under a title, each with its unit."""
    titles = {first: title for title, first in GROUPS}
    lines = []
    for row in board_settings.SPEC:
        if row[0] in titles:
            lines.append(f"{titles[row[0]]}:")
        unit = f" {row[4]}" if len(row) > 3 and row[4] else ""  # numbers have units
        lines.append(f"  {row[0]} = {values.get(row[0], '?')}{unit}")
    # A board newer than this picofan may have more: shown, not dropped.
    known = {row[0] for row in board_settings.SPEC}
    return lines + [f"  {k} = {v}" for k, v in values.items() if k not in known]
