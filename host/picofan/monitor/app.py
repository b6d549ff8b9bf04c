"""`picofan monitor`: the live readout.

Data flow: the Device's own thread reads the port; a worker thread here takes
its events, writes the CSV and the events log, and hands them to feed(); a
timer on the UI loop (4 times a second, not per line) applies them to
MonitorState and redraws. Commands run in worker threads, one at a time, so
the UI never waits on the serial port."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input, RichLog, Static
from textual.worker import get_current_worker

from picofan import shutdown
from picofan.client import Event
from picofan.logger import CsvLog, LogPathError, LogReadError, default_path, events_path, open_log
from picofan.monitor.band import BandPanel
from picofan.monitor.board import Board, LinkSource, World
from picofan.monitor.calibrate import CalibrateScreen
from picofan.monitor.controls import (
    REQUEST_FAILED,
    Controls,
    SettingsRequest,
    changes_text,
    check,
    failure_text,
)
from picofan.monitor.fan import FanPanel
from picofan.monitor.help import HelpScreen, Section
from picofan.monitor.plot import TempPlot
from picofan.monitor.readout import Readout
from picofan.monitor.replay import Replay
from picofan.monitor.state import WINDOWS_S, MonitorState
from picofan.narrate import Narrator, is_telemetry, record
from picofan.session import session, virtual

REFRESH_S = 0.25
STEP_C = 0.5  # + and - move the setpoint by this much
MIN_SIZE = (80, 24)  # columns, rows: everything fits from here up
SIM_ONLY = ("pinch", "fault")  # actions that need the virtual Pico's world
TO_THE_BOARD = {"nudge", "save", "record", "calibrate"}  # what a replay cannot do
SETPOINT_KEYS = Binding.Group("setpoint")


def shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters: a long path keeps its end (the
    device name), cut at a folder boundary where it can be: /dev/…/ttyACM0."""
    if len(text) <= room:
        return text
    tail = text[len(text) - max(room - 1, 1):]
    cut = tail.find("/")
    if 0 <= cut < len(tail) - 1:
        tail = tail[cut:]
    return "…" + tail


def action_name(binding: Binding) -> tuple[str, tuple[Any, ...]]:
    """("nudge", (0.5,)) for "nudge(0.5)"."""
    _, name, params = parse_action(binding.action)
    return name, params


def types_a_character(binding: Binding) -> bool:
    """True for a plain printable key: in a text box it types, not acts."""
    modifiers, _ = binding.parse_key()
    return not modifiers and binding.key not in ("escape", "tab", "enter")


class MonitorApp(App[int]):
    CSS_PATH = "monitor.tcss"
    AUTO_FOCUS = None  # keys act at once; Tab moves into the inputs
    TITLE = "picofan"
    # One list for the keys, the footer, the help screen (tooltip: the longer
    # words) and the command palette.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "exit", "quit", tooltip="leave the monitor (the board keeps running)"),
        Binding("question_mark", "help", "help", key_display="?",
                tooltip="this list of keys"),
        Binding("plus", f"nudge({STEP_C})", "setpoint +", key_display="+",
                group=SETPOINT_KEYS,
                tooltip=f"raise the setpoint by {STEP_C:g} °C (quick presses add up)"),
        Binding("minus", f"nudge({-STEP_C})", "setpoint −", key_display="-",
                group=SETPOINT_KEYS,
                tooltip=f"lower the setpoint by {STEP_C:g} °C (quick presses add up)"),
        Binding("s", "save", "save",
                tooltip="store the settings on the board, to survive a power cycle"),
        Binding("p", "pause", "pause", tooltip="freeze / resume the plot (logging goes on)"),
        # (w and c: in the help and the palette; the footer has room for 80 columns)
        Binding("w", "window", "window", show=False,
                tooltip="the plot's window: 1 min / 10 min / 1 h"),
        Binding("r", "record", "record",
                tooltip="start / stop recording the CSV and the events log"),
        Binding("c", "screenshot", "screenshot", show=False,
                tooltip="save the screen as an SVG picture beside the logs"),
        Binding("k", "pinch", "pinch",
                tooltip="virtual Pico: a finger on the thermistor / off again"),
        Binding("f", "fault", "fault",
                tooltip="virtual Pico: disconnect / reconnect the thermistor"),
        Binding("t", "calibrate", "calibrate the thermistor", show=False,
                tooltip="calibrate the thermistor against a reference thermometer"),
    ]
    # What the device last reported; bound into the settings box.
    settings: reactive[dict[str, Any] | None] = reactive(None)

    def __init__(self, device: LinkSource | None, *, sim: World | None = None,
                 csv: CsvLog | None = None, refresh_s: float = REFRESH_S) -> None:
        super().__init__()
        # The board shown and steered; `monitor --all` (boards.py) holds several and
        # changes it (None: none found yet).
        self.board: Board | None = Board(device, sim=sim, csv=csv) if device else None
        self.boards: list[Board] = [self.board] if self.board else []
        self._no_board = MonitorState()
        self.refresh_s = refresh_s
        self.paused = False
        self.window_i = 0
        self._csv_lock = threading.Lock()
        self.stopping = threading.Event()  # the app is going: the readers stop
        self.last_log: CsvLog | None = csv  # the newest file recorded into
        self.log_folder = csv.path.parent if csv else default_path().parent
        self.source = "sim" if sim else "board"  # what the CSV's rows and file names say
        self._notes_shown = 0
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
            yield RichLog(id="messages", max_lines=500, wrap=True, min_width=20)
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
        self.query_one("#messages", RichLog).border_title = "device messages"
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
        if action in SIM_ONLY and self.sim is None:
            return False  # only the virtual Pico has a finger to pinch
        if action in TO_THE_BOARD and isinstance(self.device, Replay):
            return False  # a replay is read-only, and its readings are in their file
        # In a text box a plain key types: the footer does not offer it there.
        return not (action in self.typed_actions and isinstance(self.focused, Input))

    @property
    def typed_actions(self) -> set[str]:
        return {action_name(b)[0] for b in self.app_bindings() if types_a_character(b)}

    @classmethod
    def app_bindings(cls) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding)]

    # -- data in: off the UI loop ---------------------------------------------------
    def feed(self, events: Iterable[Event]) -> None:
        """Hand link events to the screen (from any thread): the next redraw
        shows them."""
        assert self.board is not None
        self.board.feed(list(events))

    def read_device(self, board: Board) -> None:
        """Read the board's events in a thread of its own for as long as the app
        runs (not a Textual worker: those share a small pool, and one reader per
        board of `--all` would starve the rest and the commands)."""
        threading.Thread(target=self._read, args=(board,), name="picofan-monitor-reader",
                         daemon=True).start()

    def _read(self, board: Board) -> None:
        narrator = Narrator()  # the events log's words, as `picofan log` writes them
        while not self.stopping.is_set() and not board.device.closed:
            for event in board.device.events(timeout=0.2):
                text = None if is_telemetry(event) else narrator.describe(event)
                with self._csv_lock:
                    if board.csv and not self.stopping.is_set():  # (closed on the way out)
                        record(board.csv, event, text)
                board.feed([event])
                if self.stopping.is_set():
                    return

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
        log = main.query_one("#messages", RichLog)
        new = min(s.notes_total - self._notes_shown, len(s.messages))
        for line in list(s.messages)[len(s.messages) - new:]:
            log.write(line)
        self._notes_shown = s.notes_total
        if not self.paused:
            main.query_one(TempPlot).draw(window, span, self.paused)

    def show_status(self) -> None:
        bar = self.main.query_one("#status-bar", Static)
        bar.update(Text(self.status_text(max(bar.content_size.width, MIN_SIZE[0] - 2))))
        bar.set_class(not self.state.connected, "down")

    def status_text(self, width: int) -> str:
        """Two lines of at most `width` characters: the link, and the recording
        (the port's and the log's paths shortened to fit)."""
        s = self.state
        if self.board and isinstance(self.board.device, Replay):
            replay = self.board.device
            head = "▶ replay of "
            link = f"{head}{shorten(str(replay.path), max(width - len(head), 12))}"
            span = (f"{replay.first:%Y-%m-%d %H:%M:%S} to {replay.last:%H:%M:%S}  ·  "
                    f"{readings(replay.readings)}  ·  read-only")
            return f"{link[:width]}\n{span[:width]}"
        fw = (f"firmware {s.hello['fw']} on {s.hello['board']}" if s.hello
              else "firmware: waiting for hello")
        rest = f"  ·  {fw}" + ("  [virtual Pico]" if self.sim else "")
        if s.connected:
            head, port, tail = "● connected ", s.port, ""
        else:
            head, port, tail = "○ DISCONNECTED from ", s.port or "the board", " — retrying…"
        room = width - len(head) - len(tail) - len(rest)
        link = f"{head}{shorten(port, max(room, 12))}{tail}{rest}"
        with self._csv_lock:
            path = str(self.csv.path) if self.csv else None
        count = f"  ·  {readings(s.lines)}"
        if path is None:
            rec = "○ not recording (r)" + count
        else:
            room = width - len("● recording ") - len(count)
            rec = f"● recording {shorten(path, max(room, 12))}{count}"
        return f"{link[:width]}\n{rec[:width]}"

    # -- commands: one at a time, in workers; results back on the UI loop -------------
    def on_settings_request(self, message: SettingsRequest) -> None:
        self.request_settings(message.changes)

    def wanted_settings(self) -> dict[str, Any] | None:
        """The settings once every sent and waiting "set" is through."""
        if self.board is None or self.state.settings is None:
            return None
        wanted = dict(self.state.settings)
        for cmd, fields in self.board.queued():
            if cmd == "set":
                wanted.update(fields)
        return wanted

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
        outbox = board.outbox
        if cmd == "set" and outbox and outbox[-1][0] == "set":
            outbox[-1] = ("set", {**outbox[-1][1], **fields})
        else:
            outbox.append((cmd, fields))
        self._send_next(board)
        self.report(f"pending: {self.pending_text(board)}", "pending", board)

    def pending_text(self, board: Board) -> str:
        """What is on its way, as the device will have it: "setpoint=33.0 save"."""
        sets: dict[str, Any] = {}
        others = []
        for cmd, fields in board.queued():
            if cmd == "set":
                sets.update(fields)
            else:
                others.append(cmd)
        return " ".join(([changes_text(sets)] if sets else []) + others)

    def _send_next(self, board: Board) -> None:
        if board.in_flight is None and board.outbox:
            board.in_flight = board.outbox.pop(0)
            self.send_command(board, *board.in_flight)

    @work(thread=True, group="commands")
    def send_command(self, board: Board, cmd: str, fields: dict[str, Any]) -> None:
        reply: dict[str, Any] | None = None
        error: str | None = None
        try:
            reply = board.device.request(cmd, **fields)
        except REQUEST_FAILED as e:
            error = failure_text(e)
        if not get_current_worker().is_cancelled:  # (cancelled: the monitor has quit)
            self.call_from_thread(self.command_done, board, reply, error)

    def command_done(self, board: Board, reply: dict[str, Any] | None,
                     error: str | None) -> None:
        assert board.in_flight is not None
        cmd, fields = board.in_flight
        board.in_flight = None
        if reply is None:
            board.outbox.clear()  # they were built on this one
            self.report(error or "", "error", board)
            return
        board.state.acked(reply)
        if board is self.board:
            self.settings = board.state.settings
        if board.outbox:
            self._send_next(board)
            return
        done = " ".join(f"{k}={reply['settings'][k]}" for k in fields)
        what = "saved on the device" if cmd == "save" else f"acknowledged: {done}"
        self.report(what + ("" if reply.get("saved") else "\nnot saved on the board: press s"),
                    "ok", board)

    def report(self, text: str, kind: str, board: Board | None = None) -> None:
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
        self.request_settings({"setpoint": round(wanted["setpoint"] + delta, 2)})

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
        board = self.board
        assert board is not None
        with self._csv_lock:
            if board.csv:
                board.csv.close()
                board.csv = None
            else:
                try:
                    path = default_path(self.log_folder, source=self.source)
                    board.csv = self.last_log = open_log(path, self.source)
                except LogPathError as e:
                    self.notify(f"cannot record: {e}", severity="error")
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
        def rows(bindings: Iterable[Binding]) -> list[tuple[str, str]]:
            return [(self.get_key_display(b), b.tooltip or b.description) for b in bindings]

        keys = [b for b in self.app_bindings() if action_name(b)[0] not in SIM_ONLY]
        sections = [("Keys", rows(keys))]
        if self.sim is not None:
            sections.append(("Virtual Pico", rows(b for b in self.app_bindings()
                                                  if action_name(b)[0] in SIM_ONLY)))
        sections.append(("In the settings box", [
            ("Tab", "into the settings box, and on to the next box"),  # Textual's own keys
            ("Enter", "apply what the boxes hold"),
            *rows(b for b in Controls.BINDINGS if isinstance(b, Binding))]))
        sections.append(("On the calibration screen (t)", [
            ("Enter", "take a point: the reference typed, once the bar says stable"),
            *rows(b for b in CalibrateScreen.BINDINGS if isinstance(b, Binding))]))
        sections.append(("Anywhere", [(self.get_key_display(Binding(
            self.COMMAND_PALETTE_BINDING, "")), "the command palette: every action by name")]))
        return sections

    def action_pinch(self) -> None:
        assert self.board is not None  # (check_action)
        self.pinch(self.board)

    @work(thread=True, group="sim")
    def pinch(self, board: Board) -> None:
        if self.sim_control(board, "pinch" if not board.pinched else "release"):
            board.pinched = not board.pinched
            self.call_from_thread(self.notify, "finger on the thermistor" if board.pinched
                                  else "finger off the thermistor")

    def action_fault(self) -> None:
        assert self.board is not None  # (check_action)
        self.fault(self.board)

    @work(thread=True, group="sim")
    def fault(self, board: Board) -> None:
        if self.sim_control(board, "fault open" if not board.faulted else "fault none"):
            board.faulted = not board.faulted
            self.call_from_thread(self.notify, "thermistor disconnected (simulated)"
                                  if board.faulted else "thermistor reconnected")

    def sim_control(self, board: Board, command: str) -> bool:
        """One command to the virtual Pico's world (from a worker thread); a simulator
        that is gone is one line on the screen, not a crash."""
        assert board.sim is not None  # check_action offers the keys only then
        try:
            board.sim.control(command)
        except (OSError, ValueError) as e:
            self.call_from_thread(self.report, f"the virtual Pico did not answer ({e})",
                                  "error", board)
            return False
        return True

    # -- the command palette: every action of the keys, by name ----------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Quit"):  # ours: beside the logs; q
                yield command
        for binding in self.app_bindings():
            name, params = action_name(binding)
            if name in SIM_ONLY and self.sim is None:
                continue
            run: Callable[..., object] = getattr(self, f"action_{name}")
            yield SystemCommand(f"{binding.description} ({self.get_key_display(binding)})",
                                binding.tooltip, partial(run, *params))

    def on_unmount(self) -> None:
        self.stopping.set()
        self.close_log()

    def close_log(self) -> None:
        with self._csv_lock:
            for board in self.boards:
                if board.csv:
                    board.csv.close()


def readings(n: int) -> str:
    return f"{n} reading{'' if n == 1 else 's'}"


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
