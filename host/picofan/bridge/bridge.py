"""The bridge: every board it is given, kept in sync with an MQTT broker.

Threads, and what each owns:
- per port, a Link: the Device's reader (picofan.client), a watcher turning its events
  into the board's wanted state, and a worker sending the board's commands one by one;
- paho's network thread: connects, reconnects with a doubling wait, reads commands;
- the publisher: compares what each board should look like on the broker with what
  it last published there and publishes the difference, in order (bridge status, then
  per board its config, availability, state). A (re)connect or Home Assistant's birth
  message forgets what was published, so everything goes out again.

Bounded by construction: a board holds one wanted state (a newer reading replaces an
unpublished older one: the oldest telemetry is what goes), at most MAX_BACKLOG state
messages wait in the client for the socket, and a board takes COMMAND_QUEUE commands
at a time (more are refused "busy", on the result topic), and at most MAX_RESULTS
results wait for the broker, and as many again in the client for its acknowledgement:
a flood of commands is refused busy, and a refusal with no room is dropped (counted in
the log, whose refusal lines are rate-limited). A board's own results are never
dropped: there is at most one per accepted command."""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import random
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from fanctl import settings as board_settings
from fanctl.protocol import BadCommand
from picofan import ports, shutdown
from picofan.bridge import ha
from picofan.bridge.broker import (
    KEEPALIVE_S,
    RECONNECT_MAX_S,
    Broker,
    Credentials,
    client,
)
from picofan.bridge.guard import MAX_PACKET
from picofan.bridge.refusals import RefusalLog
from picofan.client import (
    Connected,
    Device,
    DeviceError,
    Disconnected,
    Event,
    LinesLost,
    Noise,
    Received,
    ReplyTimeout,
)
from picofan.identify import clash
from picofan.link import LinkLost
from picofan.narrate import describe
from picofan.protocol import OUTDATED

log = logging.getLogger("picofan.bridge")

SCAN_EVERY_S = 0.5  # --all: how often the port list is read for boards plugged in
COMMAND_QUEUE = 8  # commands waiting for one board; more are refused ("busy")
MAX_BACKLOG = 256  # state messages given to the client and not yet on the socket
MAX_RESULTS = 64  # results waiting for the client; and in it, waiting for the broker
GOODBYE_TIMEOUT_S = 2.0  # on a clean exit, how long the offline messages may take


@dataclass
class Options:
    broker: Broker
    bridge_id: str
    login: Credentials | None = None
    tls: ssl.SSLContext | None = None  # for mqtts:// (broker.tls_context)
    prefix: str = ha.DISCOVERY_PREFIX
    rate: float = 1.0  # state messages per second per board, at most (urgent ones aside)
    jitter: float = 1.0  # seconds: republish within this after Home Assistant's birth
    reply_timeout: float = 2.0


@dataclass(eq=False)
class Board:
    """One board, by its id: what the broker should hold for it, and what it last got."""

    id: str
    link: Link | None = None
    hello: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    online: bool = False
    config: bytes | None = None
    state: dict[str, Any] | None = None
    tele: dict[str, Any] | None = None  # the last telemetry line
    # The settings the board acknowledged, until its telemetry shows them: a line read
    # after the ack but written before it must not take the state back.
    confirmed: dict[str, Any] | None = None
    sent_config: bytes | None = None
    sent_availability: str | None = None
    sent_state: dict[str, Any] | None = None
    state_sent_at: float = -math.inf

    @property
    def topics(self) -> ha.Topics:
        return ha.Topics(self.id)

    @property
    def label(self) -> str:
        return f"board {self.id} ({ha.display_name(self.id, self.settings)})"

    def forget_sent(self) -> None:
        self.sent_config = self.sent_availability = self.sent_state = None


@dataclass(frozen=True)
class Job:
    """A command for one board, checked and ready to send; `what` says what came in."""

    board: Board | None  # (None: a hello, asking who is there)
    cmd: str  # "set", "save" or "hello"
    changes: dict[str, Any]
    what: ha.CommandTopic | None = None


class Link:
    """One serial port: the Device on it, and the board it holds once its hello says
    which. keep: reconnect to this port by itself (--port, --sim); else (--all) the
    link ends when the port goes, and the port list brings it back."""

    def __init__(self, port: str, *, keep: bool, reply_timeout: float) -> None:
        self.port = port
        self.device = Device(port, reply_timeout=reply_timeout, reconnect=keep)
        self.board: Board | None = None
        self.jobs: queue.Queue[Job | None] = queue.Queue()  # bounded by the bridge
        self.asked_hello = False
        self.said_outdated = False  # (a board too old to bridge: said once per connection)
        self.said_clash = False  # (its board's id is another port's board's: said once)


Message = tuple[str, bytes, int, bool]  # topic, payload, QoS, retain


class Bridge:
    def __init__(self, options: Options, fixed_ports: list[str], *, scan_all: bool) -> None:
        self.o = options
        self.fixed_ports = list(dict.fromkeys(fixed_ports))
        self.scan_all = scan_all
        self.status_topic = ha.bridge_status_topic(options.bridge_id)
        self.boards_topic = ha.bridge_boards_topic(options.bridge_id)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._boards: dict[str, Board] = {}
        self._links: dict[str, Link] = {}
        self._results: deque[Message] = deque()  # command results (MAX_RESULTS)
        self._results_out: deque[mqtt.MQTTMessageInfo] = deque()  # in the client
        self._refusal_log = RefusalLog(log)
        self._stale: set[str] = set()  # boards of ours from an earlier run, not here now
        self._served: set[str] = set()  # every board this bridge id has served
        self._served_sent: frozenset[str] | None = None
        self._connected = False
        self._status_sent = False
        self._republish_at: float | None = None
        self._backlog: deque[mqtt.MQTTMessageInfo] = deque()
        self._stopping = False
        self._failed_ports: dict[str, str] = {}  # the last reason said, per port
        self._broker_failures = 0
        self._said_v311 = False
        self._threads: list[threading.Thread] = []
        self.mqtt = client(f"picofan-bridge-{options.bridge_id}", options.login, options.tls)
        # Every board's availability lists this topic too: one will takes them all offline.
        self.mqtt.will_set(self.status_topic, ha.OFFLINE, qos=1, retain=True)
        self.mqtt.on_connect = self._on_connect
        self.mqtt.on_connect_fail = self._on_connect_fail
        self.mqtt.on_disconnect = self._on_disconnect
        self.mqtt.on_message = self._on_message
        self.mqtt.on_publish = self._on_publish
        self.mqtt.on_silent = self._on_silent

    # -- life --------------------------------------------------------------------------
    def start(self) -> Bridge:
        login = f" as {self.o.login.username} (from {self.o.login.source})" if self.o.login else ""
        rate = f"{self.o.rate:g} state message{'' if self.o.rate == 1 else 's'}/s"
        log.info(f"broker {self.o.broker}{login}; bridge id {self.o.bridge_id}; at most "
                 f"{rate} per board; for Home Assistant {ha.HA_MIN_VERSION} or newer")
        self.mqtt.open(self.o.broker.host, self.o.broker.port)
        self._spawn(self._publish_loop, "picofan-bridge-publisher")
        self.scan()
        return self

    def run(self, stop: threading.Event) -> None:
        """Start, watch the ports until `stop` is set (or a KeyboardInterrupt), close."""
        self.start()
        try:
            while not stop.wait(SCAN_EVERY_S):
                self.scan()
        finally:
            with shutdown.shielded():  # a second Ctrl-C does not cut the goodbyes short
                self.close()

    def close(self) -> None:
        """Boards and bridge offline on the broker (a clean disconnect discards the
        will, so it is said here), then every port closed."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
            boards = list(self._boards.values())
            links = list(self._links.values())
            connected = self._connected
        if connected:
            infos = [self.mqtt.publish(b.topics.availability, ha.OFFLINE, 1, True) for b in boards]
            infos.append(self.mqtt.publish(self.status_topic, ha.OFFLINE, 1, True))
            deadline = time.monotonic() + GOODBYE_TIMEOUT_S
            for info in infos:
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(max(0.0, deadline - time.monotonic()))
        self.mqtt.disconnect()
        self.mqtt.loop_stop()
        for link in links:
            link.device.close()
            link.jobs.put(None)
        for t in self._threads:
            t.join(5)
        log.info("stopped" + (": the boards and the bridge are offline on the broker"
                              if connected else ""))

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [*(old for old in self._threads if old.is_alive()), t]
        t.start()

    # -- ports -------------------------------------------------------------------------
    def scan(self) -> None:
        """Open every wanted port that has no link yet: the fixed ones (--port, --sim),
        and with --all every board there is (real and virtual: ports.board_ports)."""
        wanted = list(self.fixed_ports)
        if self.scan_all:
            wanted += [c.device for c in ports.board_ports()]
        for port in wanted:
            with self._lock:
                if port in self._links or self._stopping:
                    continue
            self._open(port)

    def _open(self, port: str) -> None:
        link = Link(port, keep=port in self.fixed_ports, reply_timeout=self.o.reply_timeout)
        try:
            link.device.start()
        except (ports.PortError, LinkLost) as e:
            if self._failed_ports.get(port) != str(e):  # said once, not at every scan
                log.warning(f"{e}; trying again")
                self._failed_ports[port] = str(e)
            return
        self._failed_ports.pop(port, None)
        with self._lock:
            self._links[port] = link
        self._spawn(self._watch, f"picofan-bridge-watch-{port}", link)
        self._spawn(self._work, f"picofan-bridge-work-{port}", link)

    def _watch(self, link: Link) -> None:
        for event in link.device.events():
            self._event(link, event)
        # Closed: by close(), or the port went (--all); the port list brings it back.
        with self._wake:
            self._links.pop(link.port, None)
            self._unbind(link)
            self._wake.notify_all()
        link.jobs.put(None)

    def _event(self, link: Link, event: Event) -> None:
        if isinstance(event, Received):
            data = event.message.data
            if event.message.type == "tele":
                self._telemetry(link, data)
                return
            if event.message.type == "hello":
                self._bind(link, data)
                return
        if isinstance(event, Disconnected):
            with self._wake:
                board = self._unbind(link)
                self._wake.notify_all()
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

    def _telemetry(self, link: Link, data: dict[str, Any]) -> None:
        with self._wake:
            board = link.board
            if board is not None:
                # The publisher needs waking only for news it is not already timing: a
                # first unpublished state, or an urgent one (50 lines/s are 50 wakes).
                timed = board.state != board.sent_state
                board.tele = data
                self._restate(board)
                if board.state is not None and board.state != board.sent_state and (
                        not timed or ha.urgent(board.sent_state, board.state)):
                    self._wake.notify_all()
                return
            if link.asked_hello:
                return
            link.asked_hello = True
        # Telemetry from a board not yet known (its hello went missing): ask who it is.
        link.jobs.put(Job(None, "hello", {}))

    def _bind(self, link: Link, hello: dict[str, Any]) -> None:
        """A hello on this link: it holds the board it names (maybe a new one)."""
        bid = ha.board_id(hello)
        if bid is None:
            log.warning(f"{link.port}: the board's hello has no usable uid "
                        f"({hello.get('uid')!r}): not bridged")
            return
        with self._wake:
            first = self._boards.get(bid)
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
                self._unbind(link)
            board = self._boards.get(bid)
            if board is None:
                board = self._boards[bid] = Board(bid)
                self._served.add(bid)
                self._stale.discard(bid)
            came = not board.online
            board.link, link.board = link, board
            board.hello, board.settings, board.online = hello, dict(hello["settings"]), True
            board.confirmed = None
            self._configure(board)
            self._wake.notify_all()
        if came:
            log.info(f"{board.label}: online on {link.port} (firmware {hello['fw']} on "
                     f"{hello['board']})")

    def _unbind(self, link: Link) -> Board | None:
        # (under the lock)
        board, link.board = link.board, None
        if board is not None and board.link is link:
            board.link, board.online = None, False
        return board

    def _restate(self, board: Board) -> None:
        # (under the lock) The state from the last telemetry line and the settings the
        # board acknowledged last: never older than a command's result.
        tele = board.tele
        if tele is None:
            return
        if board.confirmed is not None:
            told = {k: board.confirmed[k] for k in ha.TELE_SETTINGS}
            if tele["boot"] != board.confirmed["boot"] or all(
                    tele[k] == v for k, v in told.items()):
                board.confirmed = None  # (its lines show them now, or it restarted)
            else:
                tele = {**tele, **told}
        board.state = ha.state(tele, board.settings, self.o.bridge_id)

    def _configure(self, board: Board) -> None:
        # (under the lock) The config changes with the firmware, the name, and the
        # settings that bring entities (output pwm: the fan entity; tach on: rpm).
        config = ha.discovery(board.id, board.hello, board.settings,
                              [board.topics.availability, self.status_topic])
        board.config = ha.encode(config)

    # -- commands ----------------------------------------------------------------------
    def _command(self, topic: str, payload: bytes, retain: bool) -> None:
        what = ha.command_topic(topic)
        if what is None:
            return
        why = ha.not_a_command(topic, payload, retain)
        if why is not None:
            if why:  # (said for any board: its own bridge may not have met it yet)
                log.warning(why)
            return
        with self._lock:
            board = self._boards.get(what.board)
        if board is None:
            return  # not one of ours: another bridge's, or none
        try:
            if what.kind == "save":
                ha.parse_save(payload)
                changes: dict[str, Any] = {}
            elif what.kind == "fan":
                changes = ha.parse_fan(what.name or "", payload, board.settings)
            elif what.name is not None:
                changes = {what.name: ha.parse_value(what.name, payload)}
            else:
                changes = ha.parse_changes(payload)
            if changes:
                # All settings together, by the board's own rule, against its settings now.
                board_settings.merge({**board_settings.defaults(), **board.settings}, changes)
        except BadCommand as e:
            self._refuse(board, what, payload, e.code, e.msg)
            return
        with self._wake:
            link = board.link
            if not board.online or link is None:
                problem = ("offline", "the board is not connected")
            elif link.jobs.qsize() >= COMMAND_QUEUE:
                problem = ("busy", f"{COMMAND_QUEUE} commands are waiting for this board")
            elif len(self._results) >= MAX_RESULTS:
                problem = ("busy", f"{MAX_RESULTS} results are waiting for the broker")
            else:
                # (the fan entity's commands are settings: a set)
                link.jobs.put(Job(board, "save" if what.kind == "save" else "set", changes,
                                  what))
                return
        self._refuse(board, what, payload, *problem)

    def _refuse(self, board: Board, what: ha.CommandTopic, payload: bytes, code: str,
                text: str) -> None:
        shown = ha.shown(payload)
        # by: the bridge refused it, so nothing reached the board.
        result: dict[str, Any] = {"ok": False, "by": "bridge", "cmd": what.kind, "code": code,
                                  "msg": text, "payload": shown}
        if what.name:
            result["name"] = what.name
        with self._wake:
            self._refusal_log.say(f"{board.label}: refused {what.kind}"
                                  f"{'/' + what.name if what.name else ''} {shown!r}: {text} "
                                  f"({code}); nothing sent")
            if len(self._results) >= MAX_RESULTS:
                self._refusal_log.unpublished += 1  # (a flood: said in the next line)
                return
        self._result(board, result)

    def _result(self, board: Board, result: dict[str, Any]) -> None:
        with self._wake:
            self._results.append((board.topics.result, ha.encode(result), 1, False))
            self._wake.notify_all()

    def _work(self, link: Link) -> None:
        while (job := link.jobs.get()) is not None:
            self._execute(link, job)

    def _execute(self, link: Link, job: Job) -> None:
        if job.cmd == "hello":  # the reply comes as an event too: _bind takes it there
            with contextlib.suppress(ReplyTimeout, DeviceError):
                link.device.request("hello")
            return
        board = job.board
        assert board is not None
        # Said as it came in: set, save, or the fan entity's command
        result: dict[str, Any] = {"by": "board", "cmd": job.what.kind if job.what else job.cmd}
        if job.what and job.what.name:
            result["name"] = job.what.name
        if link.board is not board:
            result |= {"ok": False, "by": "bridge", "code": "offline",
                       "msg": "the board was unplugged"}
        else:
            try:
                reply = link.device.request(job.cmd, **job.changes)
            except DeviceError as e:  # the board's own refusal
                result |= {"ok": False, "code": e.reply["code"], "msg": e.reply["msg"]}
            except ReplyTimeout as e:
                result |= {"ok": False, "code": "timeout", "msg": str(e)}
            except BadCommand as e:  # (checked before; the encoder's last word)
                result |= {"ok": False, "by": "bridge", "code": e.code, "msg": e.msg}
            else:
                new = reply["settings"]
                result |= {"ok": True, "settings": {k: new[k] for k in job.changes},
                           "saved": reply["saved"]}
                with self._wake:
                    board.settings = dict(new)
                    if board.tele is not None:
                        board.confirmed = {**new, "boot": board.tele["boot"]}
                    self._restate(board)
                    self._configure(board)
                    self._wake.notify_all()
        what = result["cmd"] + (f"/{result['name']}" if "name" in result else "")
        if result["ok"]:
            log.info(f"{board.label}: {what} {orjson.dumps(result['settings']).decode()} "
                     f"acknowledged")
        else:
            log.warning(f"{board.label}: {what} failed: {result['msg']} ({result['code']})")
        self._result(board, result)

    # -- MQTT --------------------------------------------------------------------------
    def _on_connect(self, c: mqtt.Client, userdata: Any, flags: mqtt.ConnectFlags,
                    reason: ReasonCode, properties: Any) -> None:
        if reason.is_failure:
            if self.mqtt.refused_version(reason):
                return  # (paho tries again, in MQTT 3.1.1)
            self._broker_failures += 1
            if self._broker_failures == 1:  # said once per outage; paho retries by itself
                log.error(f"the broker at {self.o.broker} refused the connection: {reason}; "
                          "trying again")
            return
        c.subscribe([(f, 1) for f in ha.COMMAND_FILTERS]
                    + [(f"{self.o.prefix}/status", 1), (self.boards_topic, 1)])
        with self._wake:
            self._connected = True
            self._broker_failures = 0
            self._forget_sent()
            self._wake.notify_all()
        if self.mqtt.protocol != mqtt.MQTTv5 and not self._said_v311:
            self._said_v311 = True
            log.warning(f"the broker at {self.o.broker} speaks MQTT 3.1.1 only: it cannot be "
                        f"told the largest packet the bridge takes ({MAX_PACKET} bytes); the "
                        "bridge drops the connection when it sends a larger one")
        log.info(f"connected to the broker at {self.o.broker}")

    def _on_connect_fail(self, c: mqtt.Client, userdata: Any) -> None:
        self._broker_failures += 1
        if self._broker_failures == 1:  # said once per outage; paho retries by itself
            why = f" ({self.mqtt.last_error})" if self.mqtt.last_error else ""
            log.warning(f"cannot reach the broker at {self.o.broker}{why}; trying again "
                        f"(waiting longer after each try, {RECONNECT_MAX_S} s at most)")

    def _on_disconnect(self, c: mqtt.Client, userdata: Any, flags: mqtt.DisconnectFlags,
                       reason: ReasonCode, properties: Any) -> None:
        with self._wake:
            was, self._connected = self._connected, False
            self._backlog.clear()  # what was not written is gone with the connection
            self._results_out.clear()
            stopping = self._stopping
        why, self.mqtt.dropped = self.mqtt.dropped or reason, None
        if was and not stopping:
            log.warning(f"lost the broker at {self.o.broker} ({why}); reconnecting")

    def _on_silent(self, quiet: float) -> None:
        log.warning(f"the broker at {self.o.broker} has said nothing for {quiet:.0f} s, not "
                    f"even to a keepalive ping; dropping it at {2 * KEEPALIVE_S} s")

    def _on_publish(self, c: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode,
                    properties: Any) -> None:
        with self._wake:
            if len(self._backlog) >= MAX_BACKLOG or self._results:
                self._wake.notify_all()  # room again for a state message, or a result

    def _on_message(self, c: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        payload = bytes(msg.payload)
        try:
            if msg.topic == f"{self.o.prefix}/status":
                self._home_assistant(payload)
            elif msg.topic == self.boards_topic:
                self._earlier_boards(payload, msg.retain)
            else:
                self._command(msg.topic, payload, msg.retain)
        except Exception:  # never let one message stop paho's thread
            log.exception(f"unexpected error handling a message on {msg.topic}")

    def _home_assistant(self, payload: bytes) -> None:
        # HA says online when it starts, and has forgotten every discovered device:
        # everything again, after a random pause (many devices answer at once).
        # (Its "offline" is its will: nothing to do.)
        if payload != ha.ONLINE.encode():
            return
        log.info("Home Assistant started: publishing every board again")
        with self._wake:
            self._republish_at = time.monotonic() + random.uniform(0, self.o.jitter)
            self._wake.notify_all()

    def _earlier_boards(self, payload: bytes, retain: bool) -> None:
        # Our own list, as the broker kept it: a board served before a crash and not
        # here now still says online there. (Live echoes of our list are not news.)
        if not retain:
            return
        try:
            ids = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return
        if not isinstance(ids, list):
            return
        found = {i for i in ids if isinstance(i, str) and ha.UID.fullmatch(i)}
        with self._wake:
            self._served |= found
            self._stale |= {i for i in found if i not in self._boards}
            self._wake.notify_all()

    # -- publishing --------------------------------------------------------------------
    def _forget_sent(self) -> None:
        # (under the lock) After a (re)connect or HA's birth: publish everything again.
        self._status_sent = False
        self._served_sent = None
        for board in self._boards.values():
            board.forget_sent()

    def _publish_loop(self) -> None:
        while True:
            with self._wake:
                while True:
                    if self._stopping:
                        return
                    batch, wait = self._collect(time.monotonic())
                    if batch:
                        break
                    self._wake.wait(wait)
            sent = [(self.mqtt.publish(*m), m[2]) for m in batch]
            with self._lock:
                self._backlog.extend(info for info, qos in sent
                                     if qos == 0 and info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS)
                # (results: the QoS 1 messages on a result topic)
                self._results_out.extend(info for (info, _), m in zip(sent, batch, strict=True)
                                         if m[2] == 1 and m[0].endswith("/result"))

    def _collect(self, now: float) -> tuple[list[Message], float | None]:
        """(under the lock) What to publish now, in order; and how long to wait for the
        next thing due (None: until something changes)."""
        if not self._connected:
            return [], None
        wait: float | None = None
        wait = self._refusal_log.settle(now)  # what a flood's log lines left out
        if self._republish_at is not None:
            if now >= self._republish_at:
                self._republish_at = None
                self._forget_sent()
            else:
                wait = min(wait or math.inf, self._republish_at - now)
        out: list[Message] = []
        if not self._status_sent:
            out.append((self.status_topic, ha.ONLINE.encode(), 1, True))
            self._status_sent = True
        while self._results_out and self._published(self._results_out[0]):
            self._results_out.popleft()
        room = MAX_RESULTS - len(self._results_out)  # (on_publish wakes us for the rest)
        while self._results and room > 0:
            out.append(self._results.popleft())
            room -= 1
        for bid in sorted(self._stale):
            out.append((ha.Topics(bid).availability, ha.OFFLINE.encode(), 1, True))
        self._stale.clear()
        if self._served_sent is None or self._served_sent != frozenset(self._served):
            self._served_sent = frozenset(self._served)
            out.append((self.boards_topic, ha.encode(sorted(self._served)), 1, True))
        while self._backlog and self._published(self._backlog[0]):
            self._backlog.popleft()
        room = MAX_BACKLOG - len(self._backlog)
        for board in self._boards.values():
            if board.config is not None and board.config != board.sent_config:
                out.append((board.topics.config(self.o.prefix), board.config, 1, True))
                board.sent_config = board.config
            availability = ha.ONLINE if board.online else ha.OFFLINE
            if availability != board.sent_availability:
                out.append((board.topics.availability, availability.encode(), 1, True))
                board.sent_availability = availability
            if board.state is None or board.state == board.sent_state:
                continue
            due = board.state_sent_at + 1 / self.o.rate
            if not ha.urgent(board.sent_state, board.state) and now < due:
                wait = due - now if wait is None else min(wait, due - now)
            elif room > 0:  # (else: on_publish wakes us when the socket took some)
                out.append((board.topics.state, ha.encode(board.state), 0, True))
                board.sent_state, board.state_sent_at = board.state, now
                room -= 1
        return out, wait

    @staticmethod
    def _published(info: mqtt.MQTTMessageInfo) -> bool:
        try:
            return info.is_published()
        except (RuntimeError, ValueError):
            return True  # failed: not waiting in the client either
