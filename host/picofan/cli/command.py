"""The `picofan` command: its table of commands (each command's options are its own
module's, in picofan.cli), main(), and what each failure's exit code is (picofan.cli)."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import NoReturn

from picofan import __version__, ports, shutdown
from picofan.cli import (
    bridge,
    calibrate,
    completion,
    deploy,
    log,
    monitor,
    output,
    ping,
    plot,
    settings,
    sim,
    wifi,
)
from picofan.cli import ports as ports_command
from picofan.cli.output import BAD_INPUT, DEVICE_ERROR, NO_LINK, OK, fail, quiet_stdout
from picofan.client import DeviceError, ReplyTimeout
from picofan.deploy import DeployError
from picofan.link import LinkLost
from picofan.logger import LogPathError
from picofan.uf2 import Uf2Error


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (and exit 2), not a usage block."""

    def error(self, message: str) -> NoReturn:
        sys.exit(fail(BAD_INPUT, f"{message} (see {self.prog} --help)"))


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="picofan", description="Watch and steer a picofan Pico.")
    p.add_argument("--version", action="version", version=f"picofan {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    # In this order in `picofan --help`.
    ports_command.add_command(sub)
    ping.add_command(sub)
    settings.add_commands(sub)  # get, set
    wifi.add_command(sub)
    log.add_command(sub)
    monitor.add_command(sub)
    calibrate.add_command(sub)
    deploy.add_commands(sub)  # flash, micropython, repl, reset, run
    bridge.add_command(sub)
    plot.add_command(sub)
    completion.add_command(sub)
    sim.add_command(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """The command; a reader of its output that has gone (`| head`) is no traceback."""
    argv = sys.argv[1:] if argv is None else argv
    output.json_errors = "--json" in argv
    try:
        try:
            return run(argv)
        finally:
            sys.stdout.flush()  # here, where a closed pipe can be caught
    except BrokenPipeError:
        quiet_stdout()
        return output.READER_GONE


def run(argv: list[str]) -> int:
    full = parser()
    completion.complete(full)  # returns unless a shell is asking for completions
    if not argv:  # bare `picofan`: what it can do, not a usage error
        full.print_help()
        return OK
    if argv[:1] == ["sim"]:
        return sim.cmd_sim(argv[1:])
    args = full.parse_args(argv)
    with shutdown.stop_on_signals():
        try:
            return int(args.func(args))
        except LogPathError as e:
            return fail(BAD_INPUT, str(e))
        except (ports.PortError, LinkLost, ReplyTimeout) as e:
            return fail(NO_LINK, str(e))
        except DeviceError as e:
            return fail(DEVICE_ERROR, f"the device refused: {e}", e.reply.get("code"))
        except (DeployError, Uf2Error) as e:
            return fail(DEVICE_ERROR, f"error: {e}")
        except KeyboardInterrupt as e:
            signum = e.signum if isinstance(e, shutdown.Stopped) else signal.SIGINT
            return fail(128 + signum, f"stopped ({signal.Signals(signum).name})")
