"""The host end of a (virtual) Pico's serial port, read with plain pyserial:
for tests that check the device itself, below the host link layer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import serial

Msg = dict[str, Any]


class Port:
    """The host end of the virtual Pico's serial port, read with pyserial."""

    def __init__(self, path: str) -> None:
        self.serial = serial.Serial(path, timeout=0.2)
        self.seen: list[Msg] = []
        self.raw: list[bytes] = []

    def send(self, data: bytes | Msg) -> None:
        line = data if isinstance(data, bytes) else json.dumps(data).encode() + b"\n"
        self.serial.write(line)

    def wait_for(self, match: Callable[[Msg], bool], timeout: float = 30.0) -> Msg:
        """Read lines until one matches; every line read is kept in seen/raw."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.serial.readline()
            if not line:
                continue
            self.raw.append(line)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            self.seen.append(msg)
            if match(msg):
                return msg
        raise AssertionError(f"no matching message in {timeout} s; last: {self.seen[-3:]}")

    def reply(self, cmd: Msg, timeout: float = 10.0) -> Msg:
        self.send(cmd)
        return self.wait_for(lambda m: m["type"] in ("ack", "error", "hello")
                             and m.get("id") == cmd.get("id"), timeout)

    def close(self) -> None:
        self.serial.close()
