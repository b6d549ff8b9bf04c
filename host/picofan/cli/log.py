"""`picofan log`: stream one board's readings to the terminal and a CSV file, or every
board's, a CSV each (--all: picofan.log_all)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from picofan import shutdown
from picofan.cli.options import MAX_DURATION_S, device_command, positive_count, seconds
from picofan.cli.output import BAD_INPUT, LOG_FAILED, OK, count, fail, show
from picofan.logger import (
    CsvLog,
    LogWriteError,
    check_log_path,
    default_path,
    events_path,
    open_log,
)
from picofan.narrate import Narrator
from picofan.session import session, virtual


def add_command(sub: Any) -> None:
    c = device_command(sub, "log", "stream readings to the terminal and a CSV file")
    c.add_argument("--all", action="store_true",
                   help="every board, now or later (real and virtual), a CSV each in --dir "
                        "named after the board (its name, else its unique id)")
    c.add_argument("--dir", help="with --all: the folder (default: this one)")
    c.add_argument("--log", help="CSV path (default: logs/picofan-DATE-TIME.csv)")
    c.add_argument("--duration", type=seconds(MAX_DURATION_S),
                   help="stop after this many seconds")
    c.add_argument("--count", type=positive_count, help="stop after this many readings")
    c.add_argument("--quiet", action="store_true", help="CSV only, nothing on the terminal")
    c.set_defaults(func=cmd_log)


def cmd_log(args: argparse.Namespace) -> int:
    """Stream until Ctrl-C (or SIGTERM, SIGHUP), --duration or --count; through
    quiet spells, unplugs and reboots (the Device reconnects by itself)."""
    if args.all:
        return log_all(args)
    if args.dir:
        return fail(BAD_INPUT, "--dir goes with --all (one board: --log FILE.csv)")
    source = "sim" if virtual(args) else "board"
    path = Path(args.log) if args.log else default_path(source=source)
    check_log_path(path)
    log: CsvLog | None = None
    failed: LogWriteError | None = None
    try:
        # The board first: no files are left behind when there is none.
        with session(args) as held:
            dev = held.device
            log = open_log(path, source)
            show(f"logging to {log.path} (events: {events_path(log.path)}); Ctrl-C to stop",
                 sys.stderr)
            deadline = time.monotonic() + args.duration if args.duration else None
            narrator = Narrator()
            while not dev.closed:
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    break
                event = dev.next_event(wait)
                if event is None:
                    continue
                text = narrator.describe(event)
                log.record(event, text)
                if not args.quiet and text and not show(text):
                    break  # stdout is gone: `| head` has what it wanted
                if args.count and log.rows >= args.count:
                    break
    except KeyboardInterrupt:  # Ctrl-C, and SIGTERM, SIGHUP, SIGQUIT (shutdown.Stopped)
        pass
    except LogWriteError as e:
        failed = e
    finally:
        if log:
            with shutdown.shielded():
                try:
                    log.close()
                except LogWriteError as e:
                    failed = failed or e
                show(f"{count(log.rows, 'reading')} in {log.path}", sys.stderr)
    return fail(LOG_FAILED, str(failed)) if failed else OK


def log_all(args: argparse.Namespace) -> int:
    """`picofan log --all`: every board, now or later, a CSV each (picofan.log_all)."""
    from picofan.log_all import AllBoards, LogFolderError, check_folder, stderr_line

    alone = [f"--{n}" for n in ("port", "sim", "log", "count") if getattr(args, n)]
    if alone:
        return fail(BAD_INPUT, f"--all logs every board, each into a file of its own in "
                               f"--dir: not with {', '.join(alone)}")
    folder = Path(args.dir or ".")
    try:
        check_folder(folder)
    except LogFolderError as e:
        return fail(BAD_INPUT, str(e))
    boards = AllBoards(folder, timeout=args.timeout, warn=stderr_line,
                       say=(lambda text: True) if args.quiet else show)
    show(f"logging every board into {folder}/, a CSV each; Ctrl-C to stop", sys.stderr)
    failed: LogWriteError | None = None
    try:
        boards.run(args.duration)
    except KeyboardInterrupt:  # Ctrl-C, and SIGTERM, SIGHUP, SIGQUIT (shutdown.Stopped)
        pass
    except LogWriteError as e:  # one disk for the folder: every board's log stops
        failed = e
    finally:
        with shutdown.shielded():
            done, close_failed = boards.close()
            for path, rows in done.items():
                show(f"{count(rows, 'reading')} in {path}", sys.stderr)
    failed = failed or close_failed
    return fail(LOG_FAILED, str(failed)) if failed else OK
