"""`picofan monitor` from start to end: the board's session opened (or the saved
log replayed), the app run until q or a signal, and the last line saying what was
recorded. A hang-up leaves at once, the log closed and the boards let go."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from picofan import shutdown
from picofan.log_read import LogReadError
from picofan.logger import default_path, events_path, open_log
from picofan.monitor.app import MonitorApp
from picofan.monitor.replay import Replay
from picofan.monitor.status import readings
from picofan.session import session, virtual


def run_replay(path: Path) -> int:
    try:
        replay = Replay(path)
    except LogReadError as e:
        print(f"picofan: {e}", file=sys.stderr)
        return 2
    app = MonitorApp(replay)
    with shutdown.calling(app.stop_from_signal):
        app.run()
    print(f"{readings(replay.readings)} replayed from {path}", file=sys.stderr)
    if replay.skipped:
        print(f"picofan: {path}: {replay.skipped}", file=sys.stderr)
    return 0


def run_until_stopped(app: MonitorApp, release: Callable[[], None]) -> None:
    """Run the app until q, or a signal: SIGTERM, SIGINT stop it as q does; on a
    hang-up (SIGHUP: the terminal is gone, nothing to restore, and Textual may block
    writing to it) the log is closed, release() lets go of the boards, and the
    process leaves at once."""
    hung_up = threading.Event()

    def on_signal(signum: int) -> None:  # between two bytecodes of the UI thread
        app.stop_from_signal(signum)
        if signum == signal.SIGHUP:
            hung_up.set()

    def after_hang_up() -> None:
        hung_up.wait()
        app.close_log()
        release()
        os._exit(0)

    threading.Thread(target=after_hang_up, name="picofan-hang-up", daemon=True).start()
    try:
        with shutdown.calling(on_signal):
            app.run()
    finally:
        with shutdown.shielded():
            app.close_log()


def run_monitor(args: argparse.Namespace) -> int:
    if args.replay:
        return run_replay(Path(args.replay))
    source = "sim" if virtual(args) else "board"
    log_path = (None if args.no_log else Path(args.log) if args.log
                else default_path(source=source))
    with session(args) as held:
        # Opened here, not in the app: a log that cannot be written is a clear
        # error before the screen takes over the terminal.
        csv = open_log(log_path, source) if log_path else None
        app = MonitorApp(held.device, sim=held.world, csv=csv)
        run_until_stopped(app, held.close)
    log = app.last_log
    with contextlib.suppress(OSError):  # the terminal may be gone
        print(f"{readings(log.rows)} in {log.path} (events: {events_path(log.path)})"
              if log else f"{readings(app.state.lines)}; nothing recorded", file=sys.stderr)
    return 0
