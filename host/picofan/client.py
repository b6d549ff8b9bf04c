"""Talking to the Pico: a reader thread turns the link's lines into events;
commands carry ids and wait for their own reply; the link reconnects by itself.

    with Device(port) as dev:
        dev.request("set", setpoint=28)      # -> the ack, or DeviceError / ReplyTimeout
        for event in dev.events():           # Connected, Telemetry, Hello, Log, ...
            ...
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fanctl.protocol import SEQ_MASK
from picofan import ports
from picofan.link import LinkLost, SerialLink
from picofan.protocol import TOO_LONG, DeviceText, Message, encode_command, parse_line

RECONNECT_EVERY_S = 0.1  # trying to open a missing port is cheap; a quick return loses less
REPLY_TIMEOUT_S = 2.0


def now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Event:
    at: datetime = field(default_factory=now, kw_only=True)


@dataclass(frozen=True)
class Connected(Event):
    port: str
    gap_s: float | None = None  # how long the link was down, on a reconnect


@dataclass(frozen=True)
class Disconnected(Event):
    port: str
    reason: str


@dataclass(frozen=True)
class Received(Event):
    """A valid message: telemetry, hello, log, or a reply nobody waited for."""

    message: Message


@dataclass(frozen=True)
class Rebooted(Event):
    """The board restarted: a new boot id, while watching or across a reconnect."""

    old_boot: str
    new_boot: str

    @property
    def text(self) -> str:
        return f"the board restarted (boot {self.old_boot} → {self.new_boot})"


@dataclass(frozen=True)
class NotRebooted(Event):
    """Back after a reconnect with the same boot id: the board kept running."""

    boot: str

    @property
    def text(self) -> str:
        return f"the board did not restart (boot {self.boot})"


@dataclass(frozen=True)
class LinesLost(Event):
    """Telemetry lines the board produced that never arrived (a jump in seq)."""

    count: int
    boot: str

    @property
    def text(self) -> str:
        return f"lost {self.count} line{'s' if self.count != 1 else ''} of telemetry"


@dataclass(frozen=True)
class Noise(Event):
    """A device line that is not a protocol message."""

    line: DeviceText


AT_REPL = ("the board is at the MicroPython REPL (>>>), not running picofan: "
           "`make reset` starts it again (or unplug and replug the board)")
SHARED = ("telemetry kept coming, so picofan runs on the board: another program may "
          "have this port open and be taking the replies (close it)")


def is_repl_prompt(text: str) -> bool:
    return text.lstrip().startswith(">>>")


def noise_text(line: DeviceText) -> str:
    """A device line that is not a message, as a person reads it."""
    if line.reason == TOO_LONG:
        return f"device sent {TOO_LONG}: {line.text}"
    if is_repl_prompt(line.text):
        return f"device: {line.text}  ({AT_REPL})"
    return f"device: {line.text}"


class Continuity:
    """Restarts and lost lines, from the boot id (hello, tele) and the per-boot
    telemetry seq (tele) alone: the board's clock and the link's ups and downs
    say nothing for sure. Device runs one for every program that reads it."""

    def __init__(self) -> None:
        self.boot: str | None = None
        self.expect: int | None = None  # the next seq; None: not counting yet
        self.reconnected = False

    def reconnect(self) -> None:
        self.reconnected = True

    def see(self, message: Message) -> list[Event]:
        """What this message shows beyond itself (for hello and tele)."""
        boot = message.data.get("boot")
        if message.type not in ("hello", "tele") or not isinstance(boot, str):
            return []
        found: list[Event] = []
        if boot != self.boot:
            if self.boot is not None:
                found.append(Rebooted(self.boot, boot))
                self.expect = 0  # its lines count from its first one
            else:
                self.expect = None  # the first board we see: count from what comes
            self.boot = boot
        elif self.reconnected:
            found.append(NotRebooted(boot))
        self.reconnected = False
        if message.type == "tele":
            seq = message.data["seq"]
            if self.expect is not None:
                lost = (seq - self.expect) & SEQ_MASK  # seq wraps at 2^30
                if 0 < lost <= SEQ_MASK // 2:  # (a step back would be a resync, not a loss)
                    found.append(LinesLost(lost, boot))
            self.expect = (seq + 1) & SEQ_MASK
        return found


class DeviceError(Exception):
    """The device answered a command with an error reply."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(f"{reply['msg']} ({reply['code']})")
        self.reply = reply


class ReplyTimeout(Exception):
    pass


class Device:
    def __init__(self, port: str | None = None, *, reply_timeout: float = REPLY_TIMEOUT_S,
                 reconnect: bool = True) -> None:
        self.link = SerialLink(port)
        self.reply_timeout = reply_timeout
        self.reconnect = reconnect
        self.hello: dict[str, Any] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._stop = threading.Event()
        # Held by the reconnect while it opens the port: close() waits for it, so
        # a port opened as the device closes is shut, never left open and locked.
        self._opening = threading.Lock()
        self._thread: threading.Thread | None = None
        # What explains a missing reply: telemetry lines so far, the REPL's prompt
        # seen since the last message, the last id-less too_long error.
        self._tele_count = 0
        self._at_repl = False
        self._too_long_count = 0
        self._too_long: dict[str, Any] = {}
        self._continuity = Continuity()

    # -- life -------------------------------------------------------------------
    def start(self) -> Device:
        """Open the port (errors here are the caller's: no board, busy port) and
        start reading."""
        port = self.link.open()
        self._events.put(Connected(port))
        self._thread = threading.Thread(target=self._read_loop, name="picofan-reader",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        with self._opening:  # a reconnect opening the port now sees the stop after
            pass
        if self._thread:
            self._thread.join(2)
        self.link.close()
        self._fail_pending("the connection was closed")  # nobody waits out a timeout
        self._events.put(None)

    def __enter__(self) -> Device:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Closed by close(), or gone for good (reconnect=False)."""
        return self._stop.is_set()

    # -- commands ---------------------------------------------------------------
    def request(self, cmd: str, /, timeout: float | None = None,
                **fields: Any) -> dict[str, Any]:
        """Send a command and wait for its reply: the ack (or hello) message.
        Raises ValueError before sending when a field is invalid or the line too
        long, DeviceError on an error reply, ReplyTimeout when nothing comes back
        in time (saying why, when the stream shows it)."""
        cmd_id = next(self._ids)
        line = encode_command(cmd, cmd_id, **fields)
        fut: Future[dict[str, Any]] = Future()
        with self._lock:
            self._pending[cmd_id] = fut
        tele_before, too_long_before = self._tele_count, self._too_long_count
        wait = timeout if timeout is not None else self.reply_timeout
        try:
            self.link.write(line)
            reply = fut.result(wait)
        except FutureTimeout:
            if self._too_long_count != too_long_before:
                # The device could not read a line, so it could not say whose: ours.
                raise DeviceError(self._too_long) from None
            why = (f"; {AT_REPL}" if self._at_repl
                   else f"; {SHARED}" if self._tele_count != tele_before else "")
            raise ReplyTimeout(f"no reply to {cmd!r} within {wait:g} s{why}") from None
        except LinkLost as e:
            raise ReplyTimeout(f"{cmd!r} not sent: {e}") from None
        finally:
            with self._lock:
                self._pending.pop(cmd_id, None)
        if reply["type"] == "error":
            raise DeviceError(reply)
        return reply

    # -- events -----------------------------------------------------------------
    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """Events in arrival order until close() (or `timeout` s without one)."""
        while True:
            try:
                event = self._events.get(timeout=timeout)
            except queue.Empty:
                return
            if event is None:
                return
            yield event

    def next_event(self, timeout: float | None = None) -> Event | None:
        """The next event; None when `timeout` s pass without one, or once the
        device is closed (check `closed`). A quiet spell is not the end."""
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is None:
            self._events.put(None)  # closed: every later call sees it too
        return event

    def poll_events(self) -> list[Event]:
        """Every event waiting now, without blocking."""
        out: list[Event] = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return out
            if event is None:
                self._events.put(None)
                return out
            out.append(event)

    # -- the reader thread ------------------------------------------------------
    def _read_loop(self) -> None:
        self._ask_hello()
        while not self._stop.is_set():
            try:
                lines = self.link.read_lines()
            except LinkLost as e:
                self._lost(str(e))
                continue
            for raw in lines:
                self._dispatch(raw)

    def _ask_hello(self) -> None:
        # The board printed its hello at boot, maybe before we listened: ask again.
        with contextlib.suppress(LinkLost):
            self.link.write(encode_command("hello", "connect"))

    def _dispatch(self, raw: bytes) -> None:
        parsed = parse_line(raw)
        if isinstance(parsed, DeviceText):
            if parsed.text.strip():
                self._at_repl = self._at_repl or is_repl_prompt(parsed.text)
                self._events.put(Noise(parsed))
            return
        data = parsed.data
        self._at_repl = False  # a message: the firmware runs
        if parsed.type == "tele":
            self._tele_count += 1
        elif parsed.type == "error" and data["id"] is None and data["code"] == "too_long":
            self._too_long = data
            self._too_long_count += 1
        if parsed.type == "hello":
            self.hello = data
        if parsed.type in ("ack", "error", "hello") and type(data.get("id")) is int:
            with self._lock:
                fut = self._pending.get(data["id"])
            if fut is not None and not fut.done():
                fut.set_result(data)
                if parsed.type != "hello":
                    return
        for found in self._continuity.see(parsed):  # said before the message showing it
            self._events.put(found)
        self._events.put(Received(parsed))

    def _fail_pending(self, why: str) -> None:
        with self._lock:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(LinkLost(why))
            self._pending.clear()

    def _lost(self, reason: str) -> None:
        port = self.link.port
        down_at = time.monotonic()
        self._events.put(Disconnected(port, reason))
        self._fail_pending(f"disconnected: {reason}")
        if not self.reconnect:
            self._stop.set()
            self._events.put(None)
            return
        while not self._stop.wait(RECONNECT_EVERY_S):
            with self._opening:
                try:
                    port = self.link.open()
                except (LinkLost, ports.PortError):
                    continue
                if self._stop.is_set():  # closed while it opened: shut what it opened
                    self.link.close()
                    return
            self._continuity.reconnect()
            self._events.put(Connected(port, gap_s=time.monotonic() - down_at))
            self._ask_hello()
            return
