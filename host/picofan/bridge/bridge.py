"""The bridge: every board it is given, kept in sync with an MQTT broker. This module
wires its parts together, as extensions of one shared state (picofan.bridge.boards):
picofan.bridge.hotplug (the ports and their boards), picofan.bridge.commands (Home
Assistant's commands to the boards) and picofan.bridge.publisher (what goes to the
broker).

Threads, and what each owns:
- per port, a BoardConnection: the Device's reader (picofan.client), a watcher turning
  its events into the board's wanted state (Hotplug), and a worker sending the board's
  commands one by one (Commands);
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
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from picofan import shutdown
from picofan.bridge import ha_schema
from picofan.bridge.boards import Shared
from picofan.bridge.broker import (
    KEEPALIVE_S,
    RECONNECT_MAX_S,
    Broker,
    Credentials,
    client,
)
from picofan.bridge.commands import Commands
from picofan.bridge.guard import MAX_PACKET
from picofan.bridge.hotplug import Hotplug
from picofan.bridge.publisher import Publisher

log = logging.getLogger("picofan.bridge")

SCAN_EVERY_S = 0.5  # --all: how often the port list is read for boards plugged in
GOODBYE_TIMEOUT_S = 2.0  # on a clean exit, how long the offline messages may take


@dataclass
class Options:
    broker: Broker
    bridge_id: str
    login: Credentials | None = None
    tls: ssl.SSLContext | None = None  # for mqtts:// (broker.tls_context)
    prefix: str = ha_schema.DISCOVERY_PREFIX
    rate: float = 1.0  # state messages per second per board, at most (urgent ones aside)
    jitter: float = 1.0  # seconds: republish within this after Home Assistant's birth
    reply_timeout: float = 2.0


class Bridge:
    def __init__(self, options: Options, fixed_ports: list[str], *, scan_all: bool) -> None:
        self.o = options
        self.shared = Shared(options.bridge_id, options.rate)
        self._broker_failures = 0
        self._said_v311 = False
        self._threads: list[threading.Thread] = []
        self.mqtt = client(f"picofan-bridge-{options.bridge_id}", options.login, options.tls)
        # Every board's availability lists this topic too: one will takes them all offline.
        self.mqtt.will_set(self.shared.status_topic, ha_schema.OFFLINE, qos=1, retain=True)
        self.publisher = Publisher(self.shared, self.mqtt, prefix=options.prefix,
                                   jitter=options.jitter)
        self.commands = Commands(self.shared, self._spawn)
        self.hotplug = Hotplug(self.shared, fixed_ports, scan_all=scan_all,
                               reply_timeout=options.reply_timeout, spawn=self._spawn,
                               serve=self.commands.serve)
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
                 f"{rate} per board; for Home Assistant {ha_schema.HA_MIN_VERSION} or newer")
        self.mqtt.open(self.o.broker.host, self.o.broker.port)
        self._spawn(self.publisher.loop, "picofan-bridge-publisher")
        self.scan()
        return self

    def scan(self) -> None:
        """Open every wanted port that has no connection yet (Hotplug.scan)."""
        self.hotplug.scan()

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
        shared = self.shared
        with shared.wake:
            shared.stopping = True
            shared.wake.notify_all()
            boards = list(shared.boards.values())
            links = list(shared.links.values())
            connected = self.publisher.connected
        if connected:
            infos = [self.mqtt.publish(b.topics.availability, ha_schema.OFFLINE, 1, True)
                     for b in boards]
            infos.append(self.mqtt.publish(shared.status_topic, ha_schema.OFFLINE, 1, True))
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
        c.subscribe([(f, 1) for f in ha_schema.COMMAND_FILTERS]
                    + [(f"{self.o.prefix}/status", 1), (self.shared.boards_topic, 1)])
        self._broker_failures = 0
        self.publisher.on_connected()
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
        was = self.publisher.on_disconnected()
        with self.shared.lock:
            stopping = self.shared.stopping
        why, self.mqtt.dropped = self.mqtt.dropped or reason, None
        if was and not stopping:
            log.warning(f"lost the broker at {self.o.broker} ({why}); reconnecting")

    def _on_silent(self, quiet: float) -> None:
        log.warning(f"the broker at {self.o.broker} has said nothing for {quiet:.0f} s, not "
                    f"even to a keepalive ping; dropping it at {2 * KEEPALIVE_S} s")

    def _on_publish(self, c: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode,
                    properties: Any) -> None:
        self.publisher.on_publish()

    def _on_message(self, c: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        payload = bytes(msg.payload)
        try:
            if msg.topic == f"{self.o.prefix}/status":
                self.publisher.home_assistant(payload)
            elif msg.topic == self.shared.boards_topic:
                self.publisher.earlier_boards(payload, msg.retain)
            else:
                self.commands.command(msg.topic, payload, msg.retain)
        except Exception:  # never let one message stop paho's thread
            log.exception(f"unexpected error handling a message on {msg.topic}")
