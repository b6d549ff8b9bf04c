"""`picofan monitor`: the live readout (run.py starts it; many.py: `--all`).

Data flow: the Device's own thread reads the port; each board's session
(board.py) takes its events in a thread of its own, records the CSV and the events
log, and keeps them for the screen; a timer on the UI loop (4 times a second, not
per line) applies them to MonitorState and redraws. The app lays out the widgets
and forwards the keys; commands run in worker threads, one at a time, so the UI
never waits on the serial port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from picofan.client import Event
from picofan.logger import CsvLog, LogPathError, LogWriteError, default_path
from picofan.monitor import keys
from picofan.monitor.band import BandPanel, setpoint_unused
from picofan.monitor.board import BoardSession, LinkSource, World
from picofan.monitor.calibrate import CalibrateScreen
from picofan.monitor.controls import (
    REQUEST_FAILED,
    Controls,
    SettingsRequest,
    check,
    done_text,
    failure_text,
    pending_text,
)
from picofan.monitor.fan import FanPanel
from picofan.monitor.help import HelpScreen, Section, monitor_sections
from picofan.monitor.messages import Messages
from picofan.monitor.plot import TempPlot
from picofan.monitor.readout import Readout
from picofan.monitor.replay import Replay
from picofan.monitor.state import WINDOWS_S, MonitorState
from picofan.monitor.status import board_lines, replay_lines

REFRESH_S = 0.25
MIN_SIZE = (80, 24)  # columns, rows: everything fits from here up


class MonitorApp(App[int]):
    CSS_PATH = "monitor.tcss"
    AUTO_FOCUS = None  # keys act at once; Tab moves into the inputs
    TITLE = "picofan"
    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS
    # What the device last reported; bound into the settings box, and the keys offered.
    settings: reactive[dict[str, Any] | None] = reactive(None, bindings=True)

    def __init__(self, device: LinkSource | None, *, sim: World | None = None,
                 csv: CsvLog | None = None, refresh_s: float = REFRESH_S) -> None:
        super().__init__()
        # The board shown and steered; `monitor --all` (boards.py) holds several and
        # changes it (None: none found yet).
        self.board: BoardSession | None = BoardSession(device, sim=sim, csv=csv) if device else None
        self.boards: list[BoardSession] = [self.board] if self.board else []
        self._no_board = MonitorState()
        self.refresh_s = refresh_s
        self.paused = False
        self.window_i = 0
        self.stopping = threading.Event()  # the app is going: the readers stop
        self.last_log: CsvLog | None = csv  # the newest file recorded into
        self.log_folder = csv.path.parent if csv else default_path().parent
        self.source = "sim" if sim else "board"  # what the CSV's rows and file names say
        self.redraws = 0
        self.stop_signal: int | None = None  # SIGTERM, SIGHUP...: quit at the next redraw

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="status-bar", markup=False)
        with Horizontal(id="top"):
            yield Readout(id="readout")
            yield FanPanel(id="fan")
            yield BandPanel(id="band-panel")
        yield TempPlot(id="plot")
        with Horizontal(id="bottom"):
            yield Controls(id="controls").data_bind(MonitorApp.settings)
            yield Messages(id="messages")
        yield Footer(compact=True)
        yield Static(f"terminal too small (need {MIN_SIZE[0]}×{MIN_SIZE[1]})", id="too-small")

    @property
    def device(self) -> LinkSource:
        assert self.board is not None  # (check_action offers nothing without a board)
        return self.board.device

    @property
    def sim(self) -> World | None:
        return self.board.sim if self.board else None

    @property
    def state(self) -> MonitorState:
        return self.board.state if self.board else self._no_board

    @property
    def csv(self) -> CsvLog | None:
        return self.board.csv if self.board else None

    @property
    def main(self) -> Screen[Any]:
        """The monitor's own screen (the help and the palette go over it)."""
        return self.screen_stack[0]

    def on_mount(self) -> None:
        self.query_one(Messages).border_title = "device messages"
        if self.board and isinstance(self.board.device, Replay):
            self.query_one(Controls).disabled = True
            self.report(f"a replay of {self.board.device.path.name}: read-only", "ok")
        for board in self.boards:
            self.read_device(board)
        self.set_interval(self.refresh_s, self.redraw)
        self.fit(self.size.width, self.size.height)
        self.redraw()

    def on_resize(self, event: events.Resize) -> None:
        if self.screen_stack:  # (the first one comes before the screen)
            self.fit(event.size.width, event.size.height)

    def fit(self, width: int, height: int) -> None:
        """Below MIN_SIZE the screen says so instead of showing half of itself."""
        self.main.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "-too-small")
        self.show_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.board is None and action not in ("exit", "help"):
            return False  # no board to act on yet
        if action in keys.SIM_ONLY and self.sim is None:
            return False  # only the virtual Pico has a finger to pinch
        if action in keys.TO_THE_BOARD and isinstance(self.device, Replay):
            return False  # a replay is read-only, and its readings are in their file
        if action == "nudge" and setpoint_unused(self.wanted_settings()):
            return False  # (a press says why: key_plus)
        # In a text box a plain key types: the footer does not offer it there.
        return not (action in self.typed_actions and isinstance(self.focused, Input))

    @property
    def typed_actions(self) -> set[str]:
        return {keys.action_name(b)[0] for b in self.app_bindings() if keys.types_a_character(b)}

    @classmethod
    def app_bindings(cls) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding)]

    # -- data in: off the UI loop ---------------------------------------------------
    def feed(self, events: Iterable[Event]) -> None:
        """Hand link events to the screen (from any thread): the next redraw
        shows them."""
        assert self.board is not None
        self.board.feed(list(events))

    def read_device(self, board: BoardSession) -> None:
        """Start the board's reader: its events to the recording and the screen."""
        board.start_reading(self.stopping, partial(self.call_from_thread, self.notify,
                                                   severity="error"))

    def stop_from_signal(self, signum: int) -> None:
        # Called between two bytecodes of the UI loop's thread: only a flag here.
        self.stop_signal = signum

    def redraw(self) -> None:
        if self.stop_signal is not None:
            self.exit()
            return
        if not self.is_running or not self.main.is_mounted:
            return  # a last tick while the app shuts down
        now = time.monotonic()
        calibrating = [s for s in self.screen_stack if isinstance(s, CalibrateScreen)]
        for board in self.boards:
            events = board.take()
            for event in events:
                board.state.apply(event, now)
            for screen in calibrating:
                if screen.device is board.device:  # (its board's events, in order)
                    screen.take(events)
                    screen.show(board.state)
        if self.board and self.main_shown():
            self.show()

    def main_shown(self) -> bool:
        """Whether the single board's screen is in sight (boards.py covers it)."""
        return True

    def show(self) -> None:
        s = self.state
        self.redraws += 1
        self.settings = s.settings
        main = self.main
        span = WINDOWS_S[self.window_i]
        window = s.window(span)
        main.query_one(Readout).show(s)
        main.query_one(FanPanel).show(s, window)
        main.query_one(BandPanel).show(s)
        self.show_status()
        main.query_one(Messages).show(s)
        if not self.paused:
            main.query_one(TempPlot).draw(window, span, self.paused)

    def show_status(self) -> None:
        bar = self.main.query_one("#status-bar", Static)
        bar.update(Text(self.status_text(max(bar.content_size.width, MIN_SIZE[0] - 2))))
        bar.set_class(not self.state.connected, "down")

    def status_text(self, width: int) -> str:
        """The link and the recording, in two lines of at most `width` characters."""
        if self.board and isinstance(self.board.device, Replay):
            return replay_lines(self.board.device, width)
        recording = self.board.recording() if self.board else None
        return board_lines(self.state, bool(self.sim), recording, width)

    # -- commands: one at a time, in workers; results back on the UI loop -------------
    def on_settings_request(self, message: SettingsRequest) -> None:
        self.request_settings(message.changes)

    def wanted_settings(self) -> dict[str, Any] | None:
        """The settings once every sent and waiting "set" is through."""
        return self.board.wanted_settings() if self.board else None

    def request_settings(self, changes: dict[str, Any]) -> None:
        why = check(self.wanted_settings(), changes)
        if why:
            self.report(f"not sent: {why}", "error")
            return
        self.queue_command("set", changes)

    def queue_command(self, cmd: str, fields: dict[str, Any]) -> None:
        """Queue a command for the board in front (whichever is in front when
        it is answered)."""
        board = self.board
        assert board is not None
        board.queue(cmd, fields)
        self._send_next(board)
        self.report(f"pending: {pending_text(board.queued())}", "pending", board)

    def _send_next(self, board: BoardSession) -> bool:
        command = board.next_command()
        if command is not None:
            self.send_command(board, *command)
        return command is not None

    @work(thread=True, group="commands")
    def send_command(self, board: BoardSession, cmd: str, fields: dict[str, Any]) -> None:
        reply: dict[str, Any] | None = None
        error: str | None = None
        try:
            reply = board.device.request(cmd, **fields)
        except REQUEST_FAILED as e:
            error = failure_text(e)
        if not get_current_worker().is_cancelled:  # (cancelled: the monitor has quit)
            self.call_from_thread(self.command_done, board, reply, error)

    def command_done(self, board: BoardSession, reply: dict[str, Any] | None,
                     error: str | None) -> None:
        cmd, fields = board.answered(reply)
        if reply is None:
            self.report(error or "", "error", board)
            return
        if board is self.board:
            self.settings = board.state.settings
        if self._send_next(board):
            return
        self.report(done_text(cmd, fields, reply), "ok", board)

    def report(self, text: str, kind: str, board: BoardSession | None = None) -> None:
        """A command's outcome, under the settings box (of the board in front:
        boards.py says it for the others)."""
        if board is None or board is self.board:
            self.main.query_one(Controls).status(text, kind)

    # -- key actions ------------------------------------------------------------------
    def action_exit(self) -> None:
        self.exit()

    def action_nudge(self, delta: float) -> None:
        wanted = self.wanted_settings()
        if wanted is None:
            self.report("no settings from the device yet", "error")
            return
        if why := setpoint_unused(wanted):
            self.report(f"not sent: {why}", "error")
            return
        self.request_settings({"setpoint": round(wanted["setpoint"] + delta, 2)})

    def key_plus(self) -> None:
        """+ or - that check_action did not offer: on a curve, one line says why."""
        why = setpoint_unused(self.wanted_settings())
        if why and not isinstance(self.device, Replay):
            self.report(f"not sent: {why}", "error")

    key_minus = key_plus

    def action_save(self) -> None:
        self.queue_command("save", {})

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            span = WINDOWS_S[self.window_i]
            self.main.query_one(TempPlot).draw(self.state.window(span), span, True)

    def action_window(self) -> None:
        self.window_i = (self.window_i + 1) % len(WINDOWS_S)
        self.paused = False
        self.redraw()

    def action_record(self) -> None:
        assert self.board is not None
        try:
            started = self.board.toggle_recording(self.log_folder, self.source)
        except (LogPathError, LogWriteError) as e:
            self.notify(f"cannot record: {e}", severity="error")
        else:
            self.last_log = started or self.last_log
        self.redraw()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Save the screen as SVG, named like the logs and beside them."""
        folder = Path(path) if path else self.log_folder
        name = filename or default_path(folder, source=self.source).with_suffix(".svg").name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(name, str(folder))
        except OSError as e:
            self.notify(f"screenshot not saved: {e}", severity="error")
            return
        self.notify(f"screenshot saved: {saved}")

    def action_calibrate(self) -> None:
        if not any(isinstance(s, CalibrateScreen) for s in self.screen_stack):
            self.push_screen(CalibrateScreen(self.device, self.state))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[Section]:
        replay = isinstance(self.device, Replay)
        shown, sim = keys.help_keys(self.app_bindings(), replay, self.sim is not None)
        return monitor_sections(self.get_key_display, shown, sim,
                                Binding(self.COMMAND_PALETTE_BINDING, ""), board=not replay)

    def action_pinch(self) -> None:
        assert self.board is not None  # (check_action)
        self.world(self.board, self.board.pinch)

    def action_fault(self) -> None:
        assert self.board is not None  # (check_action)
        self.world(self.board, self.board.fault)

    @work(thread=True, group="sim")
    def world(self, board: BoardSession, act: Callable[[], str]) -> None:
        """One command to the virtual Pico's world; a simulator that is gone is one
        line on the screen, not a crash."""
        try:
            said = act()
        except (OSError, ValueError) as e:
            self.call_from_thread(self.report, f"the virtual Pico did not answer ({e})",
                                  "error", board)
            return
        self.call_from_thread(self.notify, said)

    # -- the command palette: every action of the keys, by name ----------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Quit"):  # ours: beside the logs; q
                yield command
        for binding in self.app_bindings():
            name, params = keys.action_name(binding)
            if name in keys.SIM_ONLY and self.sim is None:
                continue
            run: Callable[..., object] = getattr(self, f"action_{name}")
            yield SystemCommand(f"{binding.description} ({self.get_key_display(binding)})",
                                binding.tooltip, partial(run, *params))

    def on_unmount(self) -> None:
        self.stopping.set()
        self.close_log()

    def close_log(self) -> None:
        for board in self.boards:
            board.close_log()

