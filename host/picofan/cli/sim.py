"""`picofan sim`: a virtual Pico. The simulator parses its own options (and --help,
picofan.sim.__main__): picofan only lists the command and hands them on."""

from __future__ import annotations

from typing import Any


def add_command(sub: Any) -> None:
    # Listed for `picofan --help` only: main() hands `picofan sim ...` to the
    # simulator's own parser before this one sees it.
    sub.add_parser("sim", help="a virtual Pico on a pseudo-terminal (picofan sim --help)")


def cmd_sim(sim_args: list[str]) -> int:
    from picofan.sim.__main__ import main as sim_main

    return sim_main(sim_args)
