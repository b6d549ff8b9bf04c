"""Home Assistant's seat in the tests: a real paho client on the test broker that
records every message it is sent (with the retain flag: a retained message delivered
on subscribing, or a live one), publishes commands, and reconnects by itself when the
broker restarts."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from polling import until

_ids = itertools.count(1)


@dataclass(frozen=True)
class Seen:
    topic: str
    payload: bytes
    retain: bool
    at: float  # time.monotonic() on arrival
    session: int  # which connection of the watcher it came on (1, 2, … after restarts)

    def json(self) -> Any:
        return json.loads(self.payload)

    @property
    def text(self) -> str:
        return self.payload.decode()


class Watcher:
    def __init__(self, port: int, *topics: str, login: tuple[str, str] | None = None,
                 ca_file: Path | None = None, nodelay: bool = False) -> None:
        self.nodelay = nodelay
        self.port = port
        self.topics = topics or ("#",)
        self.seen: list[Seen] = []
        self.sessions = 0
        self._subscribed = 0
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"test-home-assistant-{next(_ids)}",
                                  protocol=mqtt.MQTTv311)
        self.client.reconnect_delay_set(1, 2)
        if login:
            self.client.username_pw_set(*login)
        if ca_file:
            self.client.tls_set(ca_certs=str(ca_file))
        self.client.on_connect = self._connected
        self.client.on_subscribe = self._suback
        self.client.on_message = self._message
        self.client.connect_async("127.0.0.1", port)
        self.client.loop_start()
        until(lambda: self._subscribed >= 1, "the test subscriber subscribed")

    def _connected(self, c: mqtt.Client, *_: Any) -> None:
        sock = c.socket()
        if self.nodelay and isinstance(sock, socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self.sessions += 1
        c.subscribe([(t, 1) for t in self.topics])

    def _suback(self, *_: Any) -> None:
        with self._lock:
            self._subscribed += 1

    def _message(self, c: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.seen.append(Seen(msg.topic, bytes(msg.payload), bool(msg.retain),
                                  time.monotonic(), self.sessions))

    # -- looking -----------------------------------------------------------------------
    def on(self, topic: str, since: int = 0) -> list[Seen]:
        """Messages on topic (exactly), from index `since` of `seen` on."""
        with self._lock:
            return [m for m in self.seen[since:] if m.topic == topic]

    def mark(self) -> int:
        """An index into `seen`: what came after it is news."""
        with self._lock:
            return len(self.seen)

    def last(self, topic: str, since: int = 0) -> Seen | None:
        found = self.on(topic, since)
        return found[-1] if found else None

    def wait(self, topic: str, match: Callable[[Seen], bool] = lambda m: True,
             since: int = 0, what: str | None = None) -> Seen:
        """The first message on topic from `since` on that matches."""
        return until(lambda: next((m for m in self.on(topic, since) if match(m)), None),
                     what or f"a message on {topic}")

    def wait_json(self, topic: str, match: Callable[[Any], bool] = lambda d: True,
                  since: int = 0, what: str | None = None) -> Any:
        return self.wait(topic, lambda m: match(m.json()), since, what).json()

    def wait_text(self, topic: str, text: str, since: int = 0) -> Seen:
        return self.wait(topic, lambda m: m.payload == text.encode(), since,
                         f"{text!r} on {topic}")

    def topics_matching(self, prefix: str, suffix: str = "") -> set[str]:
        with self._lock:
            return {m.topic for m in self.seen
                    if m.topic.startswith(prefix) and m.topic.endswith(suffix)}

    def configs(self, count: int,
                prefix: str = "homeassistant/device/") -> dict[str, dict[str, Any]]:
        """Wait for `count` boards' discovery configs: board id -> its latest config."""
        def found() -> dict[str, dict[str, Any]] | None:
            topics = sorted(self.topics_matching(prefix, "/config"))
            if len(topics) < count:
                return None
            out = {}
            for topic in topics:
                last = self.last(topic)
                assert last is not None
                out[topic.split("/")[-2].removeprefix("picofan_")] = last.json()
            return out

        return until(found, f"{count} boards' discovery configs")

    # -- speaking ----------------------------------------------------------------------
    def publish(self, topic: str, payload: bytes | str, retain: bool = False,
                qos: int = 1) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        until(lambda: info.is_published(), f"the broker took a message on {topic}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
