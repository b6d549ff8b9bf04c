"""`picofan flash | micropython | repl | reset`: their options and what they run
(make flash / micropython / repl / reset call these)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from picofan.deploy.flash import HELLO_TIMEOUT_S
from picofan.deploy.tools import TOOLS

PORT_HELP = "serial port (default: the only Pico plugged in)"


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
    """The deploy commands, on the picofan command's subparsers."""
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
