"""`picofan monitor`: the live terminal monitor (picofan.monitor) of one board, of a
saved log (--replay), or of every board (--all)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from picofan import ports
from picofan.cli.options import device_command
from picofan.cli.output import BAD_INPUT, fail
from picofan.logger import check_log_path


def add_command(sub: Any) -> None:
    c = device_command(sub, "monitor", "the live terminal monitor")
    c.add_argument("--replay", metavar="FILE.csv", help="show a saved log instead of a board")
    c.add_argument("--log", help="CSV path (default: logs/picofan-DATE-TIME.csv)")
    c.add_argument("--no-log", action="store_true", help="start without recording (r starts)")
    c.add_argument("--all", action="store_true",
                   help="every board, real and virtual, now or later: a table, one row each")
    c.set_defaults(func=cmd_monitor)


def cmd_monitor(args: argparse.Namespace) -> int:
    from picofan.monitor.run import run_monitor

    if args.replay and (args.sim or args.port):
        return fail(BAD_INPUT, "--replay shows a saved log: one source at a time, "
                               "without --sim or --port")
    if args.all:
        from picofan.monitor.many import run_all

        if args.replay or args.sim or args.port or args.log:
            return fail(BAD_INPUT, "--all watches every board there is: without --port, "
                                   "--sim, --replay or --log")
        return run_all(ports.board_ports, args.timeout)
    if args.log and not args.no_log:
        check_log_path(Path(args.log))
    return run_monitor(args)
