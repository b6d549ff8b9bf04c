"""One board as the monitor holds it, for as long as the monitor runs: its link
and the thread reading it, what it has reported, the recording of its readings
(the CSV and the events log, and the lock between the reader and the keys), the
commands on their way to it, and the virtual Pico's world around it. The
single-board monitor holds one; `--all` one per port, each with its own reader,
recording and command queue, so a command always reaches the board it was typed
for. Plain Python (no Textual): the app shows it and forwards the keys."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from picofan.client import Event
from picofan.logger import CsvLog, LogWriteError, default_path, open_log
from picofan.monitor.state import MonitorState
from picofan.narrate import Narrator, is_telemetry

if TYPE_CHECKING:
    from collections.abc import Iterator


class LinkSource(Protocol):
    """What the monitor reads and steers: a Device, or a Replay of a saved log."""

    @property
    def closed(self) -> bool: ...

    def events(self, timeout: float | None = None) -> Iterator[Event]: ...

    def request(self, cmd: str, /, **fields: Any) -> dict[str, Any]: ...

    def close(self) -> None: ...


class World(Protocol):
    """A virtual Pico's console (SimProcess, or a registered one's socket): the
    world around the board, for the pinch and fault keys."""

    def control(self, command: str) -> dict[str, Any]: ...


Command = tuple[str, dict[str, Any]]


@dataclass(eq=False)
class BoardSession:
    device: LinkSource
    port: str = ""  # where it was found (the link says where it is connected)
    sim: World | None = None
    csv: CsvLog | None = None  # the recording (None: not recording); under csv_lock
    state: MonitorState = field(default_factory=MonitorState)
    # The reader's thread writes the recording, the keys start and stop it.
    csv_lock: threading.Lock = field(default_factory=threading.Lock)
    # Events read off the port (the reader's thread), not yet applied (the UI's).
    inbox: list[Event] = field(default_factory=list)
    inbox_lock: threading.Lock = field(default_factory=threading.Lock)
    # Commands, one in flight at a time; a "set" waiting behind it takes in later
    # ones (five quick + are one request).
    outbox: list[Command] = field(default_factory=list)
    in_flight: Command | None = None
    pinched: bool = False  # (the virtual Pico's finger, and its thermistor fault)
    faulted: bool = False

    # -- the link's events: read in a thread, recorded, taken by the screen ---------
    def start_reading(self, stopping: threading.Event, warn: Callable[[str], None]) -> None:
        """Read the board's events in a thread of its own until `stopping` (not a
        Textual worker: those share a small pool, and one reader per board of
        `--all` would starve the rest and the commands). warn() gets one line, from
        that thread, when the recording stops on a write error."""
        threading.Thread(target=self.read, args=(stopping, warn),
                         name="picofan-monitor-reader", daemon=True).start()

    def read(self, stopping: threading.Event, warn: Callable[[str], None]) -> None:
        narrator = Narrator()  # the events log's words, as `picofan log` writes them
        while not stopping.is_set() and not self.device.closed:
            for event in self.device.events(timeout=0.2):
                text = None if is_telemetry(event) else narrator.describe(event)
                self.record(event, text, stopping, warn)
                self.feed([event])
                if stopping.is_set():
                    return

    def record(self, event: Event, text: str | None, stopping: threading.Event,
               warn: Callable[[str], None]) -> None:
        with self.csv_lock:
            if self.csv and not stopping.is_set():  # (closed on the way out)
                try:
                    self.csv.record(event, text)
                except LogWriteError as e:  # the disk full: the readings go on
                    with contextlib.suppress(LogWriteError):
                        self.csv.close()
                    self.csv = None
                    warn(f"recording stopped: {e}")

    def feed(self, events: list[Event]) -> None:
        with self.inbox_lock:
            self.inbox.extend(events)

    def take(self) -> list[Event]:
        with self.inbox_lock:
            events, self.inbox = self.inbox, []
        return events

    # -- the recording --------------------------------------------------------------
    def recording(self) -> str | None:
        """The CSV's path while recording, else None."""
        with self.csv_lock:
            return str(self.csv.path) if self.csv else None

    def toggle_recording(self, folder: Path, source: str) -> CsvLog | None:
        """Stop recording, or start a new file in `folder` named for `source`: the
        new log, or None when it stopped (LogPathError, LogWriteError: not started)."""
        with self.csv_lock:
            if self.csv:
                self.csv.close()
                self.csv = None
                return None
            self.csv = open_log(default_path(folder, source=source), source)
            self.csv.settings = self.state.settings
            return self.csv

    def close_log(self) -> None:
        with self.csv_lock:
            if self.csv:
                self.csv.close()

    # -- commands: one in flight, the rest waiting ------------------------------------
    def queue(self, cmd: str, fields: dict[str, Any]) -> None:
        if cmd == "set" and self.outbox and self.outbox[-1][0] == "set":
            self.outbox[-1] = ("set", {**self.outbox[-1][1], **fields})
        else:
            self.outbox.append((cmd, fields))

    def next_command(self) -> Command | None:
        """The next command to send, now in flight; None while one is (or none waits)."""
        if self.in_flight is not None or not self.outbox:
            return None
        self.in_flight = self.outbox.pop(0)
        return self.in_flight

    def answered(self, reply: dict[str, Any] | None) -> Command:
        """The command in flight is through (reply None: it failed, and those
        waiting, built on it, are dropped): that command."""
        assert self.in_flight is not None
        done, self.in_flight = self.in_flight, None
        if reply is None:
            self.outbox.clear()
            return done
        self.state.acked(reply)
        with self.csv_lock:
            if self.csv and "settings" in reply:  # the settings columns of the rows to come
                self.csv.settings = reply["settings"]
        return done

    def queued(self) -> list[Command]:
        """The command in flight, then those waiting, in order."""
        return [*([self.in_flight] if self.in_flight else []), *self.outbox]

    def wanted_settings(self) -> dict[str, Any] | None:
        """The settings once every sent and waiting "set" is through."""
        if self.state.settings is None:
            return None
        wanted = dict(self.state.settings)
        for cmd, fields in self.queued():
            if cmd == "set":
                wanted.update(fields)
        return wanted

    # -- the virtual Pico's world (OSError, ValueError: the simulator is gone) ---------
    def pinch(self) -> str:
        """A finger on the thermistor, or off again: what happened, in words."""
        assert self.sim is not None
        self.sim.control("pinch" if not self.pinched else "release")
        self.pinched = not self.pinched
        return "finger on the thermistor" if self.pinched else "finger off the thermistor"

    def fault(self) -> str:
        """The thermistor disconnected, or reconnected: what happened, in words."""
        assert self.sim is not None
        self.sim.control("fault open" if not self.faulted else "fault none")
        self.faulted = not self.faulted
        return ("thermistor disconnected (simulated)" if self.faulted
                else "thermistor reconnected")

    @property
    def name(self) -> str:
        """What a person calls it: its `name` setting, else its uid, else its port."""
        s = self.state
        named = s.settings.get("name") if s.settings else None
        uid = s.hello.get("uid") if s.hello else None
        return str(named or uid or s.port or self.port or "board")
