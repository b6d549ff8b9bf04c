"""The bridge's publisher: compares what each board should look like on the broker with
what it last published there and publishes the difference, in order (bridge status,
results, then per board its config, availability, state), by the board's own policy
(fanctl.ha_policy). A (re)connect or Home Assistant's birth message forgets what was
published, so everything goes out again.

Bounded: at most MAX_BACKLOG state messages wait in the client for the socket, at most
MAX_RESULTS results for their acknowledgement."""

from __future__ import annotations

import logging
import math
import random
import time
from collections import deque

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

from picofan.bridge import ha_schema
from picofan.bridge.boards import MAX_RESULTS, Message, Shared

log = logging.getLogger("picofan.bridge")

MAX_BACKLOG = 256  # state messages given to the client and not yet on the socket


class Publisher:
    """prefix: Home Assistant's discovery prefix; jitter: seconds, the most it waits
    after Home Assistant's birth before publishing everything again."""

    def __init__(self, shared: Shared, client: mqtt.Client, *, prefix: str,
                 jitter: float) -> None:
        self.s = shared
        self.mqtt = client
        self.prefix = prefix
        self.jitter = jitter
        self.connected = False
        self._results_out: deque[mqtt.MQTTMessageInfo] = deque()  # in the client
        self._served_sent: frozenset[str] | None = None
        self._status_sent = False
        self._republish_at: float | None = None
        self._backlog: deque[mqtt.MQTTMessageInfo] = deque()

    # -- the broker's news (paho's thread) -------------------------------------------
    def on_connected(self) -> None:
        with self.s.wake:
            self.connected = True
            self._forget_sent()
            self.s.wake.notify_all()

    def on_disconnected(self) -> bool:
        """-> whether it was connected."""
        with self.s.wake:
            was, self.connected = self.connected, False
            self._backlog.clear()  # what was not written is gone with the connection
            self._results_out.clear()
        return was

    def on_publish(self) -> None:
        with self.s.wake:
            if len(self._backlog) >= MAX_BACKLOG or self.s.results:
                self.s.wake.notify_all()  # room again for a state message, or a result

    def home_assistant(self, payload: bytes) -> None:
        # HA says online when it starts, and has forgotten every discovered device:
        # everything again, after a random pause (many devices answer at once).
        # (Its "offline" is its will: nothing to do.)
        if payload != ha_schema.ONLINE.encode():
            return
        log.info("Home Assistant started: publishing every board again")
        with self.s.wake:
            self._republish_at = time.monotonic() + random.uniform(0, self.jitter)
            self.s.wake.notify_all()

    def earlier_boards(self, payload: bytes, retain: bool) -> None:
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
        found = {i for i in ids if isinstance(i, str) and ha_schema.UID.fullmatch(i)}
        with self.s.wake:
            self.s.served |= found
            self.s.stale |= {i for i in found if i not in self.s.boards}
            self.s.wake.notify_all()

    # -- publishing --------------------------------------------------------------------
    def _forget_sent(self) -> None:
        # (under the lock) After a (re)connect or HA's birth: publish everything again.
        self._status_sent = False
        self._served_sent = None
        for board in self.s.boards.values():
            board.on_broker.forget()

    def loop(self) -> None:
        while True:
            with self.s.wake:
                while True:
                    if self.s.stopping:
                        return
                    batch, wait = self._collect(time.monotonic())
                    if batch:
                        break
                    self.s.wake.wait(wait)
            sent = [(self.mqtt.publish(*m), m[2]) for m in batch]
            with self.s.lock:
                self._backlog.extend(info for info, qos in sent
                                     if qos == 0 and info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS)
                # (results: the QoS 1 messages on a result topic)
                self._results_out.extend(info for (info, _), m in zip(sent, batch, strict=True)
                                         if m[2] == 1 and m[0].endswith("/result"))

    def _collect(self, now: float) -> tuple[list[Message], float | None]:
        """(under the lock) What to publish now, in order; and how long to wait for the
        next thing due (None: until something changes)."""
        if not self.connected:
            return [], None
        wait: float | None = None
        wait = self.s.refusal_log.settle(now)  # what a flood's log lines left out
        if self._republish_at is not None:
            if now >= self._republish_at:
                self._republish_at = None
                self._forget_sent()
            else:
                wait = min(wait or math.inf, self._republish_at - now)
        out: list[Message] = []
        if not self._status_sent:
            out.append((self.s.status_topic, ha_schema.ONLINE.encode(), 1, True))
            self._status_sent = True
        while self._results_out and self._published(self._results_out[0]):
            self._results_out.popleft()
        room = MAX_RESULTS - len(self._results_out)  # (on_publish wakes us for the rest)
        while self.s.results and room > 0:
            out.append(self.s.results.popleft())
            room -= 1
        for bid in sorted(self.s.stale):
            out.append((ha_schema.Topics(bid).availability, ha_schema.OFFLINE.encode(), 1, True))
        self.s.stale.clear()
        if self._served_sent is None or self._served_sent != frozenset(self.s.served):
            self._served_sent = frozenset(self.s.served)
            out.append((self.s.boards_topic, ha_schema.encode(sorted(self.s.served)), 1, True))
        while self._backlog and self._published(self._backlog[0]):
            self._backlog.popleft()
        room = MAX_BACKLOG - len(self._backlog)
        for board in self.s.boards.values():
            on_broker = board.on_broker
            config = board.config  # (None: no hello yet)
            if config is not None and on_broker.config_due(config):
                out.append((board.topics.config(self.prefix), config, 1, True))
                on_broker.config = config
            availability = ha_schema.ONLINE if board.online else ha_schema.OFFLINE
            if on_broker.availability_due(availability):
                out.append((board.topics.availability, availability.encode(), 1, True))
                on_broker.availability = availability
            state = board.state
            if state is None:  # (no telemetry yet)
                continue
            left = on_broker.state_wait(state, now)
            if left is None:  # (Home Assistant has it)
                continue
            if left > 0:
                wait = left if wait is None else min(wait, left)
            elif room > 0:  # (else: on_publish wakes us when the socket took some)
                out.append((board.topics.state, ha_schema.encode(state), 0, True))
                on_broker.state_sent(state, now)
                room -= 1
        return out, wait

    @staticmethod
    def _published(info: mqtt.MQTTMessageInfo) -> bool:
        try:
            return info.is_published()
        except (RuntimeError, ValueError):
            return True  # failed: not waiting in the client either
