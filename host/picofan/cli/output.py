"""What the `picofan` command writes: its exit codes, its error line (and, with --json,
the error as a JSON object on stdout for scripts), lines for a reader who may have gone
(`| head`), and counts in good English."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from typing import Any

OK, DEVICE_ERROR, BAD_INPUT, NO_LINK, LOG_FAILED = 0, 1, 2, 3, 4
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

