"""`picofan monitor`: the live readout.

Data flow: the Device's own thread reads the port; a worker thread here takes
its events, writes the CSV, and queues them; a timer on the UI loop (4 times a
second, not per line) applies the queue to MonitorState and redraws. Commands
run in worker threads, so the UI never waits on the serial port."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, RichLog, Static
from textual.worker import get_current_worker

from picofan import shutdown
from picofan.client import Device, DeviceError, Event, Received, ReplyTimeout
from picofan.link import LinkLost
from picofan.logger import CsvLog, default_path, open_log
from picofan.monitor.band import BandPanel
from picofan.monitor.controls import Controls, SettingsRequest
from picofan.monitor.plot import TempPlot
from picofan.monitor.readout import Readout
from picofan.monitor.state import WINDOWS_S, MonitorState

REFRESH_S = 0.25
HELP = """Keys
  + / -   nudge the setpoint by 0.5 °C      s   save settings on the device
  p       pause / resume the plot           w   plot window: 1 min / 10 min / 1 h
  r       start / stop recording the CSV    q   quit
  Tab     move between the inputs; Enter applies them
Virtual Pico only:
  k       pinch / release the thermistor    f   inject / clear an open-thermistor fault"""


class MonitorApp(App[int]):
    CSS_PATH = "monitor.tcss"
    AUTO_FOCUS = None  # keys act at once; Tab moves into the inputs
    TITLE = "picofan"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("plus", "nudge(0.5)", "setpoint +", key_display="+"),
        Binding("minus", "nudge(-0.5)", "setpoint −", key_display="-"),
        Binding("s", "save", "save"),
        Binding("p", "pause", "pause plot"),
        Binding("w", "window", "window"),
        Binding("r", "record", "record"),
        Binding("k", "pinch", "pinch"),
        Binding("f", "fault", "fault"),
    ]

    def __init__(self, device: Device, *, sim: Any = None, csv: CsvLog | None = None,
                 refresh_s: float = REFRESH_S) -> None:
        super().__init__()
        self.device = device
        self.sim = sim  # a SimProcess when running on the virtual Pico
        self.state = MonitorState()
        self.refresh_s = refresh_s
        self.paused = False
        self.window_i = 0
        self.pinched = False
        self.faulted = False
        self._inbox: list[Event] = []
        self._inbox_lock = threading.Lock()
        self._csv_lock = threading.Lock()
        self.csv = csv
        self._notes_shown = 0
        self.redraws = 0
        self.stop_signal: int | None = None  # SIGTERM, SIGHUP...: quit at the next redraw

    @property
    def device_settings(self) -> dict[str, Any] | None:
        return self.state.settings

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="status-bar")
        with Horizontal(id="top"):
            yield Readout(id="readout")
            yield BandPanel(id="band-panel")
        yield TempPlot(id="plot")
        with Horizontal(id="bottom"):
            yield Controls(id="controls")
            yield RichLog(id="messages", max_lines=500, wrap=True, min_width=20)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#messages", RichLog).border_title = "device messages"
        self.query_one("#controls", Controls).border_title = "settings"
        self.read_device()
        self.set_interval(self.refresh_s, self.redraw)
        self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pinch", "fault"):
            return self.sim is not None  # only the virtual Pico has a finger to pinch
        return True

    # -- data in: off the UI loop ---------------------------------------------------
    @work(thread=True, exclusive=True, group="reader")
    def read_device(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled and not self.device.closed:
            for event in self.device.events(timeout=0.2):
                if isinstance(event, Received) and event.message.type == "tele":
                    with self._csv_lock:
                        if self.csv:
                            self.csv.telemetry(event.at, event.message.data)
                with self._inbox_lock:
                    self._inbox.append(event)
                if worker.is_cancelled:
                    return

    def stop_from_signal(self, signum: int) -> None:
        # Called between two bytecodes of the UI loop's thread: only a flag here.
        self.stop_signal = signum

    def redraw(self) -> None:
        if self.stop_signal is not None:
            self.exit()
            return
        if not self.is_running or not self.screen.is_mounted:
            return  # a last tick while the app shuts down
        with self._inbox_lock:
            events, self._inbox = self._inbox, []
        now = time.monotonic()
        for event in events:
            self.state.apply(event, now)
        self.show()

    def show(self) -> None:
        s = self.state
        self.redraws += 1
        self.query_one(Readout).show(s)
        self.query_one(BandPanel).show(s)
        self.query_one("#status-bar", Static).update(self.status_text())
        bar = self.query_one("#status-bar", Static)
        bar.set_class(not s.connected, "down")
        log = self.query_one("#messages", RichLog)
        new = min(s.notes_total - self._notes_shown, len(s.messages))
        for line in list(s.messages)[len(s.messages) - new:]:
            log.write(line)
        self._notes_shown = s.notes_total
        if not self.paused:
            span = WINDOWS_S[self.window_i]
            self.query_one(TempPlot).draw(s.window(span), span, self.paused)

    def status_text(self) -> str:
        s = self.state
        conn = (f"● connected {s.port}" if s.connected
                else f"○ DISCONNECTED from {s.port or 'the board'} — retrying…")
        fw = (f"firmware {s.hello['fw']} on {s.hello['board']}" if s.hello
              else "firmware: waiting for hello")
        sim = "  [virtual Pico]" if self.sim else ""
        with self._csv_lock:
            rec = f"● recording {self.csv.path}" if self.csv else "○ not recording (r)"
        return f"{conn}  ·  {fw}{sim}\n{rec}  ·  {s.lines} readings"

    # -- commands: in workers, results back on the UI loop ------------------------------
    def on_settings_request(self, message: SettingsRequest) -> None:
        self.send_command("set", message.changes)

    @work(thread=True, group="commands")
    def send_command(self, cmd: str, fields: dict[str, Any]) -> None:
        try:
            reply = self.device.request(cmd, **fields)
        except DeviceError as e:
            self.call_from_thread(self.report, f"refused by the device: {e.reply['msg']}",
                                  "error")
        except (ReplyTimeout, LinkLost) as e:
            self.call_from_thread(self.report, f"not acknowledged: {e}", "error")
        except ValueError as e:
            self.call_from_thread(self.report, f"not sent: {e}", "error")
        else:
            self.call_from_thread(self.acknowledged, cmd, fields, reply)

    def acknowledged(self, cmd: str, fields: dict[str, Any], reply: dict[str, Any]) -> None:
        self.state.acked(reply)
        done = " ".join(f"{k}={reply['settings'][k]}" for k in fields) if fields else ""
        what = "saved on the device" if cmd == "save" else f"acknowledged: {done}"
        self.report(what + ("" if reply.get("saved") else "  (not saved: press s)"), "ok")

    def report(self, text: str, kind: str) -> None:
        self.query_one(Controls).status(text, kind)

    # -- key actions ------------------------------------------------------------------
    def action_nudge(self, delta: float) -> None:
        settings = self.state.settings
        if not settings:
            self.report("no settings from the device yet", "error")
            return
        self.query_one(Controls).send({"setpoint": round(settings["setpoint"] + delta, 2)},
                                      settings)

    def action_save(self) -> None:
        self.report("pending: save", "pending")
        self.send_command("save", {})

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            span = WINDOWS_S[self.window_i]
            self.query_one(TempPlot).draw(self.state.window(span), span, True)

    def action_window(self) -> None:
        self.window_i = (self.window_i + 1) % len(WINDOWS_S)
        self.paused = False
        self.redraw()

    def action_record(self) -> None:
        with self._csv_lock:
            if self.csv:
                self.csv.close()
                self.csv = None
            else:
                try:
                    self.csv = CsvLog(default_path())
                except OSError as e:
                    self.report(f"cannot record: {e}", "error")
        self.redraw()

    def action_help(self) -> None:
        self.notify(HELP, title="picofan monitor", timeout=15)

    @work(thread=True, group="sim")
    def action_pinch(self) -> None:
        self.pinched = not self.pinched
        self.sim.control("pinch" if self.pinched else "release")
        self.call_from_thread(self.notify, "finger on the thermistor" if self.pinched
                              else "finger off the thermistor")

    @work(thread=True, group="sim")
    def action_fault(self) -> None:
        self.faulted = not self.faulted
        self.sim.control("fault open" if self.faulted else "fault none")
        self.call_from_thread(self.notify, "thermistor disconnected (simulated)"
                              if self.faulted else "thermistor reconnected")

    def on_unmount(self) -> None:
        self.close_log()

    def close_log(self) -> None:
        with self._csv_lock:
            if self.csv:
                self.csv.close()


class Held:
    """What must not outlive the monitor: released once, by whichever comes first,
    the normal way out or a hang-up."""

    def __init__(self) -> None:
        self.sim: Any = None
        self.device: Device | None = None
        self.app: MonitorApp | None = None
        self._lock = threading.Lock()
        self._released = False

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
            if self.app:
                self.app.close_log()
            if self.device:
                self.device.close()
            if self.sim:
                self.sim.stop()


def run_monitor(args: argparse.Namespace) -> int:
    held = Held()
    hung_up = threading.Event()

    def after_hang_up() -> None:
        # The terminal is gone (SIGHUP): nothing to restore, and Textual may block
        # writing to it. Release what would outlive us, and leave.
        hung_up.wait()
        held.release()
        os._exit(0)

    def on_signal(signum: int) -> None:  # between two bytecodes of the UI thread
        if held.app:
            held.app.stop_from_signal(signum)
        if signum == signal.SIGHUP:
            hung_up.set()

    try:
        port = args.port
        if args.sim:
            from picofan.sim.process import SimProcess

            try:
                held.sim = SimProcess(speed=args.sim_speed)
            except RuntimeError as e:
                raise LinkLost(str(e)) from None
            port = held.sim.port
        held.device = Device(port, reply_timeout=args.timeout).start()
        log_path = None if args.no_log else Path(args.log) if args.log else default_path()
        # Opened here, not in the app: a log that cannot be written is a clear
        # error before the screen takes over the terminal.
        csv = open_log(log_path) if log_path else None
        app = held.app = MonitorApp(held.device, sim=held.sim, csv=csv)
        threading.Thread(target=after_hang_up, name="picofan-hang-up", daemon=True).start()
        with shutdown.calling(on_signal):
            app.run()
        if log_path:
            with contextlib.suppress(OSError):  # the terminal may be gone
                print(f"{app.state.lines} readings; log started in {log_path}",
                      file=sys.stderr)
    finally:
        with shutdown.shielded():
            held.release()
    return 0
