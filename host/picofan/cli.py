"""The `picofan` command: ports | ping | get | set | wifi | log | monitor | sim, bridge
(picofan.bridge), and flash | run | micropython | repl | reset (picofan.deploy).

Exit codes: 0 ok, 1 the device answered with an error (or a flash failed), 2 bad input on the
command line (nothing was sent), 3 no board / no reply / link trouble, 4 the log could
not be written (the disk full: the CSV ends at its last whole row);
128 + the signal's number when a signal stopped ping, get or set (log and
monitor stop on Ctrl-C, SIGTERM and SIGHUP as asked: 0); 141 (128 + SIGPIPE) when the
reader of the output went away before it was written (`| head`). With --json a failure
is also one JSON object on stdout: {"error": {"exit": N, "code": C, "message": M}}."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from picofan import __version__, cli_output, completion, ports, ports_cli, shutdown
from picofan.bridge.cli import add_command as add_bridge_command
from picofan.cli_output import count, fail, quiet_stdout, settings_lines, show
from picofan.client import DeviceError, ReplyTimeout
from picofan.deploy import DeployError
from picofan.deploy.cli import add_commands as add_deploy_commands
from picofan.deploy.cli import add_flash_options
from picofan.link import LinkLost
from picofan.logger import (
    CsvLog,
    LogPathError,
    LogWriteError,
    check_log_path,
    default_path,
    events_path,
    open_log,
)
from picofan.narrate import Narrator
from picofan.session import session, virtual
from picofan.uf2 import Uf2Error
from picofan.values import parse_setting
from picofan.wifi_cli import add_command as add_wifi_command

OK, DEVICE_ERROR, BAD_INPUT, NO_LINK, LOG_FAILED = 0, 1, 2, 3, 4
__all__ = ["fail", "main", "show"]  # fail and show: for the other commands' modules
MAX_TIMEOUT_S = 3600.0
MAX_DURATION_S = 366 * 86400.0  # a year: beyond it a wait would overflow the OS's timers


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (and exit 2), not a usage block."""

    def error(self, message: str) -> NoReturn:
        sys.exit(fail(BAD_INPUT, f"{message} (see {self.prog} --help)"))


def seconds(most: float) -> Callable[[str], float]:
    """An argparse type: a finite number of seconds above 0, at most `most`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not 0 < value <= most:  # also refuses NaN
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of seconds above 0 and at most {most:g}")
        return value

    return parse


def sim_speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the speed is a number, 0 (as fast as possible) or more")
    return value


def positive_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """setpoint=28,5 mode=auto -> {"setpoint": 28.5, "mode": "auto"}, read as the
    monitor reads its boxes (picofan.values)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq or not name:
            raise ValueError(f"{pair!r}: write NAME=VALUE, e.g. setpoint=28")
        out[name] = parse_setting(name, text)
    return out


def show_settings(s: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in s.items())


def cmd_ping(args: argparse.Namespace) -> int:
    with session(args) as held:
        dev = held.device
        t0 = time.perf_counter()
        reply = dev.request("ping")
        ms = (time.perf_counter() - t0) * 1000
        if args.json:
            print(json.dumps({"port": dev.link.port, "device_ms": reply["ms"],
                              "round_trip_ms": round(ms, 1)}))
        else:
            print(f"pong from {dev.link.port}: device clock {reply['ms']} ms, "
                  f"round trip {ms:.1f} ms")
    return OK


def cmd_get(args: argparse.Namespace) -> int:
    with session(args) as held:
        dev = held.device
        reply = dev.request("get")
        if args.json:
            print(json.dumps(reply["settings"]))
        else:
            print("\n".join(settings_lines(reply["settings"])))
            print(f"(saved on the board: {'yes' if reply['saved'] else 'no'})")
    return OK


def cmd_set(args: argparse.Namespace) -> int:
    try:
        changes = parse_assignments(args.assignments)
        from picofan.protocol import encode_command

        encode_command("set", 0, **changes)  # the device's own checks, before sending
    except ValueError as e:  # a device refusal (BadCommand: its .msg is str()) or a typo
        return fail(BAD_INPUT, f"not sent: {e}")
    with session(args) as held:
        dev = held.device
        reply = dev.request("set", **changes)
        if not args.json:
            print("ack: " + show_settings({k: reply["settings"][k] for k in changes}))
        if args.save:
            reply = dev.request("save")
            if not args.json:
                print("saved on the board")
        elif not reply["saved"] and not args.json:
            print("(not saved on the board: add --save to keep it across power cycles)")
        if args.json:  # the board's own word on every setting, and whether it is stored
            print(json.dumps({"settings": reply["settings"], "saved": reply["saved"]}))
    return OK


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


def cmd_calibrate(args: argparse.Namespace) -> int:
    from picofan.calibrate_cli import cmd_calibrate as calibrate

    return calibrate(args)


def cmd_run(args: argparse.Namespace) -> int:
    """Flash, then watch: `esphome run` for the Pico."""
    from picofan.deploy.flash import flash

    args.port = flash(args.port, args.tool, args.mpy, args.hello_timeout)
    return cmd_monitor(args)


def cmd_sim(sim_args: list[str]) -> int:
    # The simulator parses its own options (and --help): picofan only hands them on.
    from picofan.sim.__main__ import main as sim_main

    return sim_main(sim_args)


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="picofan", description="Watch and steer a picofan Pico.")
    p.add_argument("--version", action="version", version=f"picofan {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def device_command(name: str, help_text: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_text)
        c.add_argument("--port", help="serial port (default: the only Pico plugged in)"
                       ).completer = completion.port_words  # type: ignore[attr-defined]
        c.add_argument("--sim", action="store_true", help="start a virtual Pico and use it")
        c.add_argument("--sim-speed", type=sim_speed, default=1.0, help=argparse.SUPPRESS)
        c.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0,
                       help="reply timeout, seconds")
        return c

    c: argparse.ArgumentParser = sub.add_parser(
        "ports", help="list the boards there are (real and virtual), with name and unique id")
    c.add_argument("--all", action="store_true",
                   help="every serial port, with its USB ids (vendor:product); asks nothing")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0,
                   help="how long each board gets to say who it is, seconds")
    c.set_defaults(func=ports_cli.cmd_ports)
    c = device_command("ping", "check the board answers")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_ping)
    c = device_command("get", "print the board's settings")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_get)
    c = device_command("set", "change settings, e.g. setpoint=28 hysteresis=1.5 mode=auto")
    c.add_argument("assignments", nargs="+", metavar="NAME=VALUE"
                   ).completer = completion.settings_words  # type: ignore[attr-defined]
    c.add_argument("--save", action="store_true", help="also store them on the board")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_set)
    add_wifi_command(device_command)
    c = device_command("log", "stream readings to the terminal and a CSV file")
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
    c = device_command("monitor", "the live terminal monitor")
    c.add_argument("--replay", metavar="FILE.csv", help="show a saved log instead of a board")
    c.add_argument("--log", help="CSV path (default: logs/picofan-DATE-TIME.csv)")
    c.add_argument("--no-log", action="store_true", help="start without recording (r starts)")
    c.add_argument("--all", action="store_true",
                   help="every board, real and virtual, now or later: a table, one row each")
    c.set_defaults(func=cmd_monitor)
    c = device_command("calibrate", "calibrate the thermistor against reference points")
    c.add_argument("--undo", action="store_true", help="put back the previous calibration")
    c.set_defaults(func=cmd_calibrate)
    add_deploy_commands(sub)
    c = sub.add_parser("run", help="flash the firmware, then the live monitor")
    add_flash_options(c)
    c.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0,
                   help="reply timeout, seconds")
    c.add_argument("--log", help="CSV path (default: logs/picofan-DATE-TIME.csv)")
    c.add_argument("--no-log", action="store_true", help="start without recording (r starts)")
    c.set_defaults(func=cmd_run, sim=False, sim_speed=1.0, replay=None, all=False)
    add_bridge_command(sub)
    c = sub.add_parser("plot", help="draw a saved CSV log as a PNG (needs matplotlib)")
    c.add_argument("csv", metavar="FILE.csv")
    c.add_argument("-o", "--output", metavar="FILE.png", help="default: beside the CSV")
    c.set_defaults(func=cmd_plot)
    c = sub.add_parser("completion", help="shell completion: eval \"$(picofan completion bash)\"")
    c.add_argument("shell", choices=completion.SHELLS)
    c.set_defaults(func=lambda args: print(completion.shell_code(args.shell)) or OK)
    # Listed for `picofan --help` only: main() hands `picofan sim ...` to the
    # simulator's own parser before this one sees it.
    sub.add_parser("sim", help="a virtual Pico on a pseudo-terminal (picofan sim --help)")
    return p


def main(argv: list[str] | None = None) -> int:
    """The command; a reader of its output that has gone (`| head`) is no traceback."""
    argv = sys.argv[1:] if argv is None else argv
    cli_output.json_errors = "--json" in argv
    try:
        try:
            return run(argv)
        finally:
            sys.stdout.flush()  # here, where a closed pipe can be caught
    except BrokenPipeError:
        quiet_stdout()
        return cli_output.READER_GONE


def run(argv: list[str]) -> int:
    full = parser()
    completion.complete(full)  # returns unless a shell is asking for completions
    if not argv:  # bare `picofan`: what it can do, not a usage error
        full.print_help()
        return OK
    if argv[:1] == ["sim"]:
        return cmd_sim(argv[1:])
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


if __name__ == "__main__":
    sys.exit(main())
