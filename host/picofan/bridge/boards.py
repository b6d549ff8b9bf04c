"""What the bridge's threads share: the boards it serves, the serial ports they are on,
and the results waiting for the broker, under one lock (picofan.bridge.bridge says
which thread owns what)."""

from __future__ import annotations

import logging
import operator
import queue
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fanctl.ha_policy import OnBroker
from picofan.bridge import ha_schema
from picofan.bridge.refusals import RefusalLog
from picofan.client import Device

log = logging.getLogger("picofan.bridge")

Message = tuple[str, bytes, int, bool]  # topic, payload, QoS, retain
MAX_RESULTS = 64  # results waiting for the client; and in it, waiting for the broker


@dataclass(eq=False)
class BridgedBoard:
    """One board, by its id: what the broker should hold for it, and what it last got
    (on_broker: what of it is due, by the board's own policy)."""

    id: str
    on_broker: OnBroker
    link: BoardConnection | None = None
    hello: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    online: bool = False
    config: bytes | None = None
    state: dict[str, Any] | None = None
    tele: dict[str, Any] | None = None  # the last telemetry line
    # The settings the board acknowledged, until its telemetry shows them: a line read
    # after the ack but written before it must not take the state back.
    confirmed: dict[str, Any] | None = None

    @property
    def topics(self) -> ha_schema.Topics:
        return ha_schema.Topics(self.id)

    @property
    def label(self) -> str:
        return f"board {self.id} ({ha_schema.display_name(self.id, self.settings)})"


@dataclass(frozen=True)
class Job:
    """A command for one board, checked and ready to send; `what` says what came in."""

    board: BridgedBoard | None  # (None: a hello, asking who is there)
    cmd: str  # "set", "save" or "hello"
    changes: dict[str, Any]
    what: ha_schema.CommandTopic | None = None


class BoardConnection:
    """One serial port: the Device on it, and the board it holds once its hello says
    which. keep: reconnect to this port by itself (--port, --sim); else (--all) the
    connection ends when the port goes, and the port list brings it back."""

    def __init__(self, port: str, *, keep: bool, reply_timeout: float) -> None:
        self.port = port
        self.device = Device(port, reply_timeout=reply_timeout, reconnect=keep)
        self.board: BridgedBoard | None = None
        self.jobs: queue.Queue[Job | None] = queue.Queue()  # bounded by the bridge
        self.asked_hello = False
        self.said_outdated = False  # (a board too old to bridge: said once per connection)
        self.said_clash = False  # (its board's id is another port's board's: said once)


class Shared:
    """The state the threads share; `wake` (on `lock`) is notified on news for the
    publisher. Methods marked "under the lock" expect the caller to hold it."""

    def __init__(self, bridge_id: str, rate: float) -> None:
        self.bridge_id = bridge_id
        self.rate = rate  # state messages per second per board, at most (urgent ones aside)
        self.status_topic = ha_schema.bridge_status_topic(bridge_id)
        self.boards_topic = ha_schema.bridge_boards_topic(bridge_id)
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.boards: dict[str, BridgedBoard] = {}
        self.links: dict[str, BoardConnection] = {}
        self.results: deque[Message] = deque()  # command results (MAX_RESULTS)
        self.refusal_log = RefusalLog(log)
        self.stale: set[str] = set()  # boards of ours from an earlier run, not here now
        self.served: set[str] = set()  # every board this bridge id has served
        self.stopping = False

    def board(self, bid: str) -> BridgedBoard:
        """(under the lock) The board with this id, new if the bridge never met it."""
        board = self.boards.get(bid)
        if board is None:
            # The state at most `rate` times a second (seconds of time.monotonic)
            on_broker = OnBroker(1 / self.rate, operator.sub)
            board = self.boards[bid] = BridgedBoard(bid, on_broker)
            self.served.add(bid)
            self.stale.discard(bid)
        return board

    def unbind(self, link: BoardConnection) -> BridgedBoard | None:
        # (under the lock)
        board, link.board = link.board, None
        if board is not None and board.link is link:
            board.link, board.online = None, False
        return board

    def restate(self, board: BridgedBoard) -> None:
        # (under the lock) The state from the last telemetry line and the settings the
        # board acknowledged last: never older than a command's result.
        tele = board.tele
        if tele is None:
            return
        if board.confirmed is not None:
            told = {k: board.confirmed[k] for k in ha_schema.TELE_SETTINGS}
            if tele["boot"] != board.confirmed["boot"] or all(
                    tele[k] == v for k, v in told.items()):
                board.confirmed = None  # (its lines show them now, or it restarted)
            else:
                tele = {**tele, **told}
        board.state = ha_schema.state(tele, board.settings, self.bridge_id)

    def configure(self, board: BridgedBoard) -> None:
        # (under the lock) The config changes with the firmware, the name, and the
        # settings that bring entities (output pwm: the fan entity; tach on: rpm).
        config = ha_schema.discovery(board.id, board.hello, board.settings,
                                     [board.topics.availability, self.status_topic])
        board.config = ha_schema.encode(config)
