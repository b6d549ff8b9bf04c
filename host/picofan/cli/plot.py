"""`picofan plot`: a saved CSV log drawn as a PNG (picofan.plot, with matplotlib)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from picofan.cli.output import BAD_INPUT, OK, count, fail


def add_command(sub: Any) -> None:
    c = sub.add_parser("plot", help="draw a saved CSV log as a PNG (needs matplotlib)")
    c.add_argument("csv", metavar="FILE.csv")
    c.add_argument("-o", "--output", metavar="FILE.png", help="default: beside the CSV")
    c.set_defaults(func=cmd_plot)


def cmd_plot(args: argparse.Namespace) -> int:
    from picofan.plot import PlotError, plot

    csv_path = Path(args.csv)
    png_path = Path(args.output) if args.output else csv_path.with_suffix(".png")
    try:
        n, skipped = plot(csv_path, png_path)
    except PlotError as e:
        return fail(BAD_INPUT, str(e))
    if skipped:  # the good rows are drawn; the person learns what was left out
        fail(OK, f"{csv_path}: {skipped}")
    print(f"{png_path} ({count(n, 'reading')})")
    return OK
