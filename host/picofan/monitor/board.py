"""One board as the monitor holds it: its link, what it has reported, and the
commands on their way to it. The single-board monitor holds one; `--all` one per
port, each with its own reader and its own command queue, so a command always
reaches the board it was typed for. Plain Python (no Textual)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from picofan.client import Event
from picofan.logger import CsvLog
from picofan.monitor.state import MonitorState

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
class Board:
    device: LinkSource
    port: str = ""  # where it was found (the link says where it is connected)
    sim: World | None = None
    csv: CsvLog | None = None
    state: MonitorState = field(default_factory=MonitorState)
    # Events read off the port (the reader's thread), not yet applied (the UI's).
    inbox: list[Event] = field(default_factory=list)
    inbox_lock: threading.Lock = field(default_factory=threading.Lock)
    # Commands, one in flight at a time; a "set" waiting behind it takes in later
    # ones (five quick + are one request).
    outbox: list[Command] = field(default_factory=list)
    in_flight: Command | None = None
    pinched: bool = False  # (the virtual Pico's finger, and its thermistor fault)
    faulted: bool = False

    def feed(self, events: list[Event]) -> None:
        with self.inbox_lock:
            self.inbox.extend(events)

    def take(self) -> list[Event]:
        with self.inbox_lock:
            events, self.inbox = self.inbox, []
        return events

    def queued(self) -> list[Command]:
        """The command in flight, then those waiting, in order."""
        return [*([self.in_flight] if self.in_flight else []), *self.outbox]

    @property
    def name(self) -> str:
        """What a person calls it: its `name` setting, else its uid, else its port."""
        s = self.state
        named = s.settings.get("name") if s.settings else None
        uid = s.hello.get("uid") if s.hello else None
        return str(named or uid or s.port or self.port or "board")
