"""`picofan monitor --all`: every board there is, now or later, in one table
(boards.py); Enter shows the highlighted one in the single-board monitor's own
screen, Escape comes back. The keys and the command palette act on the board
in front: the highlighted row, or the one opened.

Discovery runs in a worker thread, once a second: a port not seen before gets a
Device (which then reconnects by itself across unplugs, as the single-board
monitor's does) and a row; a port that would not open (busy, forbidden) gets a
row saying why, and is tried again at the next look."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from picofan import ports, shutdown
from picofan.client import Device, ReplyTimeout
from picofan.identify import clash
from picofan.link import LinkLost
from picofan.monitor.app import REFRESH_S, MonitorApp
from picofan.monitor.board import BoardSession
from picofan.monitor.boards import BoardsScreen
from picofan.monitor.controls import Controls
from picofan.monitor.messages import Messages
from picofan.monitor.run import run_until_stopped
from picofan.monitor.status import readings
from picofan.sim.process import SimControl

DISCOVER_EVERY_S = 1.0


class AllBoardsApp(MonitorApp):
    BINDINGS: ClassVar[list[BindingType]] = [
        *MonitorApp.BINDINGS,
        Binding("escape", "boards", "all boards", tooltip="back to the table of boards"),
    ]

    def __init__(self, discover: Callable[[], list[ports.Candidate]], *,
                 refresh_s: float = REFRESH_S, reply_timeout: float = 2.0) -> None:
        super().__init__(None, refresh_s=refresh_s)
        self.discover = discover
        self.reply_timeout = reply_timeout
        self.problems: dict[str, str] = {}  # port: why it would not open
        self.refused: dict[str, str] = {}  # port: the port of the board whose uid it claims
        self.table = BoardsScreen()
        self.closing = threading.Event()

    def on_mount(self) -> None:
        super().on_mount()
        # Installed: popped for a board's view, it keeps its rows for the way back.
        self.install_screen(self.table, "boards")
        self.push_screen("boards")
        threading.Thread(target=self.watch_ports, name="picofan-monitor-discovery",
                         daemon=True).start()

    def main_shown(self) -> bool:
        return self.table not in self.screen_stack

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "boards":
            return self.main_shown() and not isinstance(self.focused, Input)
        return super().check_action(action, parameters)

    # -- discovery: off the UI loop ------------------------------------------------
    def watch_ports(self) -> None:
        """(A thread of its own, as the readers: see BoardSession.start_reading.)"""
        while not self.closing.is_set() and not self.stopping.is_set():
            known = {board.port for board in self.boards}
            listed = self.discover()
            for port in set(self.problems) - {found.device for found in listed}:
                self.problems.pop(port, None)  # gone: its row with it
            for found in listed:
                if found.device in known or found.device in self.refused or \
                        self.closing.is_set():
                    continue
                try:
                    device = Device(found.device, reply_timeout=self.reply_timeout).start()
                except (LinkLost, ports.PortError) as e:
                    self.problems[found.device] = str(e)  # (shown at the next redraw)
                    continue
                sim = SimControl(found.control) if found.control else None
                board = BoardSession(device, port=found.device, sim=sim)
                try:
                    added = self.call_from_thread(self.add_board, board)
                except RuntimeError:  # (the app has stopped)
                    added = False
                if not added:
                    device.close()  # (the monitor is on its way out)
            self.closing.wait(DISCOVER_EVERY_S)

    def on_unmount(self) -> None:
        self.closing.set()  # (before the loop goes: the discovery waits on it)
        super().on_unmount()

    def add_board(self, board: BoardSession) -> bool:
        if self.closing.is_set():
            return False
        self.problems.pop(board.port, None)
        self.boards.append(board)
        self.read_device(board)
        return True

    def refuse_clones(self) -> None:
        """A board claiming the unique id of one connected on another port (a cloned
        flash) is let go, its row saying why; its port is looked at again once that
        board is gone."""
        owners: dict[str, BoardSession] = {}
        for board in list(self.boards):
            hello = board.state.hello
            uid = hello.get("uid") if hello else None
            if not isinstance(uid, str) or not board.state.connected:
                continue
            first = owners.setdefault(uid, board)
            if first is not board:
                self.boards.remove(board)
                self.refused[board.port] = first.port
                self.problems[board.port] = clash(board.port, uid, first.port, "not shown")
                threading.Thread(target=board.device.close, daemon=True).start()
        for port, first_port in list(self.refused.items()):
            owner = self.board_at(first_port)
            if owner is None or not owner.state.connected:
                del self.refused[port]

    # -- the board in front ----------------------------------------------------------
    def redraw(self) -> None:
        super().redraw()
        self.refuse_clones()
        if self.is_running and not self.main_shown():  # (it is brought up to date on return)
            self.table.show(self.boards, dict(self.problems))  # (a copy: discovery adds)
            self.follow_highlight()  # (a row may have come, or gone, under it)

    def on_boards_screen_highlighted(self, message: BoardsScreen.Highlighted) -> None:
        self.follow_highlight()

    def follow_highlight(self) -> None:
        """While the table is up, the board in front is the highlighted row's; none
        on a port that would not open (the keys then have nothing to act on)."""
        port = self.table.highlighted_port()
        board = self.board_at(port) if port else None
        if board is not None:
            self.show_board(board)
        elif self.board is not None:
            self.board = None
            self.refresh_bindings()

    def on_boards_screen_opened(self, message: BoardsScreen.Opened) -> None:
        board = self.board_at(message.port)
        if board is None:
            self.table.status(f"{message.port}: {self.problems.get(message.port, '')}",
                              "error")
            return
        self.show_board(board)
        self.pop_screen()
        self.redraw()

    def action_boards(self) -> None:
        if self.main_shown():  # (the palette offers it over the table too)
            self.push_screen("boards")
            self.redraw()

    def board_at(self, port: str) -> BoardSession | None:
        return next((b for b in self.boards if b.port == port), None)

    def show_board(self, board: BoardSession) -> None:
        """Put this board in front: the full view and the keys are now its."""
        if board is self.board:
            return
        self.board = board
        self.settings = board.state.settings
        self.main.query_one(Messages).restart()  # its own messages, from the start
        self.main.query_one(Controls).status("", "ok")
        self.refresh_bindings()  # (the virtual Pico's keys come and go)

    def status_text(self, width: int) -> str:
        """The single board's two lines, the first naming the board in front."""
        if self.board is None:
            return super().status_text(width)
        name = f"{self.board.name}  ·  "
        link, rec = super().status_text(max(width - len(name), 40)).split("\n", 1)
        return f"{(name + link)[:width]}\n{rec}"

    def report(self, text: str, kind: str, board: BoardSession | None = None) -> None:
        super().report(text, kind, board)
        about = board or self.board
        if about is not None and not self.main_shown():
            self.table.status(f"{about.name}: {text.replace(chr(10), '; ')}", kind)

    def close_boards(self) -> None:
        self.closing.set()
        for board in self.boards:
            with contextlib.suppress(OSError, LinkLost, ReplyTimeout):
                board.device.close()


def run_all(discover: Callable[[], list[ports.Candidate]], reply_timeout: float) -> int:
    app = AllBoardsApp(discover, reply_timeout=reply_timeout)
    try:
        run_until_stopped(app, app.close_boards)
    finally:
        with shutdown.shielded():
            app.close_boards()
    lines = sum(board.state.lines for board in app.boards)
    count = len(app.boards)
    log = app.last_log
    with contextlib.suppress(OSError):  # the terminal may be gone
        print(f"{readings(lines)} from {count} board{'' if count == 1 else 's'}; "
              + (f"the last recording: {log.path}" if log else "nothing recorded"),
              file=sys.stderr)
    return 0
