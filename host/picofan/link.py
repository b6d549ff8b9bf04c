"""The serial transport: open the Pico's port, read whole lines, write bytes.

Partial lines are held until their newline arrives; a port that disappears
raises LinkLost, and open() can be called again to reconnect."""

from __future__ import annotations

import contextlib

import serial

from picofan import ports

READ_TIMEOUT_S = 0.1


class LinkLost(Exception):
    """The port went away (unplugged, reset) or could not be opened."""


class SerialLink:
    def __init__(self, port: str | None = None) -> None:
        self.requested = port
        self.port = ""
        self.serial: serial.Serial | None = None
        self._partial = bytearray()

    def open(self) -> str:
        """Open the port (finding the Pico if none was named); returns its path."""
        device = ports.choose(self.requested)
        try:
            # exclusive: two programs reading one port each get half the lines
            self.serial = serial.Serial(device, 115200, timeout=READ_TIMEOUT_S,
                                        write_timeout=2, exclusive=True)
        except (serial.SerialException, OSError) as e:
            raise LinkLost(f"cannot open {device}: {e}") from e
        self.port = device
        self._partial.clear()
        return device

    @property
    def is_open(self) -> bool:
        return self.serial is not None

    def read_lines(self) -> list[bytes]:
        """Whole lines received so far (waits up to READ_TIMEOUT_S for data)."""
        if self.serial is None:
            raise LinkLost("not open")
        try:
            data = self.serial.read(self.serial.in_waiting or 1)
        except (serial.SerialException, OSError) as e:
            self.close()
            raise LinkLost(str(e) or "port closed") from e
        if not data:
            return []
        self._partial += data
        *lines, rest = self._partial.split(b"\n")
        self._partial = bytearray(rest)
        return [bytes(line) for line in lines]

    def write(self, data: bytes) -> None:
        if self.serial is None:
            raise LinkLost("not connected")
        try:
            self.serial.write(data)
        except (serial.SerialException, OSError) as e:
            self.close()
            raise LinkLost(str(e) or "port closed") from e

    def close(self) -> None:
        if self.serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self.serial.close()
            self.serial = None
