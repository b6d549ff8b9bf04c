"""The bridge's boards as they come and go: the serial ports it opens (the fixed ones,
and with --all every board plugged in), each port's events, and which board a port
holds once its hello says so. A board's telemetry becomes its wanted state here; the
publisher (picofan.bridge.publisher) takes it from there."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from picofan import ports
from picofan.bridge import ha_schema
from picofan.bridge.boards import BoardConnection, Job, Shared
from picofan.client import Connected, Disconnected, Event, LinesLost, Noise, Received
from picofan.identify import clash
from picofan.link import LinkLost
from picofan.narrate import describe
from picofan.protocol import OUTDATED

log = logging.getLogger("picofan.bridge")

Spawn = Callable[..., None]  # (target, thread name, *args): a daemon thread


class Hotplug:
    """fixed_ports: always wanted (--port, --sim); scan_all: every board there is too
    (--all). serve(link): start the commands' worker of a newly opened port."""

    def __init__(self, shared: Shared, fixed_ports: list[str], *, scan_all: bool,
                 reply_timeout: float, spawn: Spawn,
                 serve: Callable[[BoardConnection], None]) -> None:
        self.s = shared
        self.fixed_ports = list(dict.fromkeys(fixed_ports))
        self.scan_all = scan_all
        self.reply_timeout = reply_timeout
        self.spawn = spawn
        self.serve = serve
        self._failed_ports: dict[str, str] = {}  # the last reason said, per port

    def scan(self) -> None:
        """Open every wanted port that has no link yet: the fixed ones (--port, --sim),
        and with --all every board there is (real and virtual: ports.board_ports)."""
        wanted = list(self.fixed_ports)
        if self.scan_all:
            wanted += [c.device for c in ports.board_ports()]
        for port in wanted:
            with self.s.lock:
                if port in self.s.links or self.s.stopping:
                    continue
            self._open(port)

    def _open(self, port: str) -> None:
        link = BoardConnection(port, keep=port in self.fixed_ports,
                               reply_timeout=self.reply_timeout)
        try:
            link.device.start()
        except (ports.PortError, LinkLost) as e:
            if self._failed_ports.get(port) != str(e):  # said once, not at every scan
                log.warning(f"{e}; trying again")
                self._failed_ports[port] = str(e)
            return
        self._failed_ports.pop(port, None)
        with self.s.lock:
            self.s.links[port] = link
        self.spawn(self._watch, f"picofan-bridge-watch-{port}", link)
        self.serve(link)

    def _watch(self, link: BoardConnection) -> None:
        for event in link.device.events():
            self._event(link, event)
        # Closed: by close(), or the port went (--all); the port list brings it back.
        with self.s.wake:
            self.s.links.pop(link.port, None)
            self.s.unbind(link)
            self.s.wake.notify_all()
        link.jobs.put(None)

    def _event(self, link: BoardConnection, event: Event) -> None:
        if isinstance(event, Received):
            data = event.message.data
            if event.message.type == "tele":
                self._telemetry(link, data)
                return
            if event.message.type == "hello":
                self._bind(link, data)
                return
        if isinstance(event, Disconnected):
            with self.s.wake:
                board = self.s.unbind(link)
                self.s.wake.notify_all()
            if board:
                log.info(f"{board.label}: offline ({event.reason})")
            return
        if isinstance(event, Connected):
            link.asked_hello = link.said_outdated = False
        if isinstance(event, LinesLost):
            return  # the bridge publishes the latest reading only: lost lines change nothing
        if isinstance(event, Noise) and event.line.outdated:
            # (its hello is refused too: such a board is never bound, so never a device)
            if not link.said_outdated:
                link.said_outdated = True
                log.warning(f"{link.port}: not bridged: {OUTDATED}")
            return
        text = describe(event)
        if text and isinstance(event, Connected):
            log.info(text)
        elif text:
            board = link.board
            log.info(f"{board.label if board else link.port}: {text}")

    def _telemetry(self, link: BoardConnection, data: dict[str, Any]) -> None:
        with self.s.wake:
            board = link.board
            if board is not None:
                # The publisher needs waking only for news it is not already timing: a
                # first unpublished state, or one due at once (50 lines/s are 50 wakes).
                on_broker, now = board.on_broker, time.monotonic()
                timed = on_broker.state_wait(board.state, now) is not None
                board.tele = data
                self.s.restate(board)
                wait = on_broker.state_wait(board.state, now)
                if wait == 0 or (wait is not None and not timed):
                    self.s.wake.notify_all()
                return
            if link.asked_hello:
                return
            link.asked_hello = True
        # Telemetry from a board not yet known (its hello went missing): ask who it is.
        link.jobs.put(Job(None, "hello", {}))

    def _bind(self, link: BoardConnection, hello: dict[str, Any]) -> None:
        """A hello on this link: it holds the board it names (maybe a new one)."""
        bid = ha_schema.board_id(hello)
        if bid is None:
            log.warning(f"{link.port}: the board's hello has no usable uid "
                        f"({hello.get('uid')!r}): not bridged")
            return
        with self.s.wake:
            first = self.s.boards.get(bid)
            if first is not None and first.link is not None and first.link is not link:
                # The board on another port has this id: a clone is refused, the first
                # one stays the device (a board that moved is unbound when its old
                # port goes, before it shows up on a new one).
                if not link.said_clash:
                    link.said_clash = True
                    log.warning(clash(link.port, bid, first.link.port, "not bridged"))
                return
            old = link.board
            if old is not None and old.id != bid:  # another board on the same port
                self.s.unbind(link)
            board = self.s.board(bid)
            came = not board.online
            board.link, link.board = link, board
            board.hello, board.settings, board.online = hello, dict(hello["settings"]), True
            board.confirmed = None
            self.s.configure(board)
            self.s.wake.notify_all()
        if came:
            log.info(f"{board.label}: online on {link.port} (firmware {hello['fw']} on "
                     f"{hello['board']})")
