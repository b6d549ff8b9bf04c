"""The bridge's guard on what its broker sends: a packet larger than MAX_PACKET is
refused from its fixed header, before its body is read (paho buffers whole packets, so
a broker announcing 268 MB would get 268 MB of the bridge's memory), and the time the
broker last said anything, to notice one gone silent.

Plain bytes in: the MQTT client feeds it what it reads from the socket."""

from __future__ import annotations

import time

# The largest packet the bridge takes: a command is at most 512 bytes (longer ones are
# refused anyway), the bridge's own list of boards 19 bytes a board.
MAX_PACKET = 256 * 1024


class PacketTooLarge(ConnectionAbortedError):
    """The broker announced a packet over the cap: the connection is dropped."""


class Framing:
    """Follows the MQTT packets in a byte stream: a type byte, the remaining length (1 to
    4 bytes of 7 bits, the lowest first), then that many bytes."""

    def __init__(self, cap: int = MAX_PACKET) -> None:
        self.cap = cap
        self.heard_at = time.monotonic()
        self.reset()

    def reset(self) -> None:
        """A new connection: a packet starts with the next byte."""
        self._body = 0  # bytes of the current packet still to come
        self._in_header = False  # the type byte read, the length not complete yet
        self._length = self._shift = 0
        self.heard_at = time.monotonic()

    def feed(self, data: bytes) -> None:
        """Bytes as read from the broker; PacketTooLarge for a packet over the cap (as soon
        as its length is read: none of its body is)."""
        if data:
            self.heard_at = time.monotonic()
        i, n = 0, len(data)
        while i < n:
            if self._body:
                step = min(self._body, n - i)
                self._body -= step
                i += step
                continue
            byte = data[i]
            i += 1
            if not self._in_header:  # the type byte
                self._in_header, self._length, self._shift = True, 0, 0
                continue
            self._length |= (byte & 127) << self._shift
            self._shift += 7
            if byte & 128:
                continue  # (more than 4 bytes of length: paho drops the connection itself)
            if self._length > self.cap:
                raise PacketTooLarge(f"it sent a packet of {self._length} bytes; the bridge "
                                     f"takes {self.cap} at most")
            self._in_header, self._body = False, self._length
