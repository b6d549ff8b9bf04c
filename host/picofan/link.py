"""The serial transport: open the Pico's port, read whole lines, write bytes.

Partial lines are held until their newline arrives, up to MAX_LINE bytes (and
a \r): a longer one (a wrong device streaming without newlines) is handed on
at once, cut short (the parser calls it too long), and the rest of it is
dropped up to its newline. A port that disappears raises LinkLost, and open()
can be called again to reconnect.

The first line after opening is dropped when it is the tail of a message: what
the board sent before anyone listened is cut wherever the port's flush on open
cut it (a whole line, or text that is no message, is kept)."""

from __future__ import annotations

import contextlib
import threading

import serial

from picofan import ports
from picofan.protocol import MAX_LINE, Message, parse_line

READ_TIMEOUT_S = 0.1


class LinkLost(Exception):
    """The port went away (unplugged, reset) or could not be opened."""


class SerialLink:
    def __init__(self, port: str | None = None) -> None:
        self.requested = port
        self.port = ""
        self.serial: serial.Serial | None = None
        self._partial = bytearray()
        self._overlong = False  # dropping the rest of a line longer than MAX_LINE
        self._first = True  # no line read yet since the port was opened
        self._write_lock = threading.Lock()  # the reader thread and callers both write

    def open(self) -> str:
        """Open the port (finding the Pico if none was named); returns its path.
        The first thing sent is a line end: it ends any half line an earlier
        program left in the board's input, which would swallow our first command."""
        device = ports.choose(self.requested)
        try:
            # exclusive: two programs reading one port each get half the lines
            port = serial.Serial(device, 115200, timeout=READ_TIMEOUT_S,
                                 write_timeout=2, exclusive=True)
        except (serial.SerialException, OSError) as e:
            raise LinkLost(ports.why_not_open(device, e)) from e
        try:
            port.write(b"\n")
        except (serial.SerialException, OSError) as e:
            port.close()
            raise LinkLost(f"cannot write to {device}: {e}") from e
        with self._write_lock:
            self.serial = port
        self.port = device
        self._partial.clear()
        self._overlong = False
        self._first = True
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
        lines: list[bytes] = []
        view = memoryview(data)
        start = 0
        # Only the new data is searched: the held part has no newline.
        while (end := data.find(b"\n", start)) >= 0:
            if not self._overlong:  # (else: the end of a line already reported)
                self._hold(view[start:end])
                if not (self._first and half_message(self._partial)):
                    lines.append(bytes(self._partial))
            self._first = self._overlong = False
            self._partial.clear()
            start = end + 1
        if not self._overlong:
            self._hold(view[start:])
            if len(self._partial) > MAX_LINE + 1:  # more than a line and its \r
                lines.append(bytes(self._partial))  # too long: reported once, now
                self._partial.clear()
                self._overlong = True
                self._first = False
        return lines

    def _hold(self, piece: memoryview) -> None:
        # Never more than a line, its \r and one byte: the proof that it is too long.
        room = MAX_LINE + 2 - len(self._partial)
        if room > 0:
            self._partial += piece[:room]

    def write(self, data: bytes) -> None:
        with self._write_lock:  # whole lines, never two interleaved
            port = self.serial
            if port is None:
                raise LinkLost("not connected")
            try:
                port.write(data)
            except (serial.SerialException, OSError) as e:
                self.close()
                raise LinkLost(str(e) or "port closed") from e

    def close(self) -> None:
        if self.serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self.serial.close()
            self.serial = None


def half_message(line: bytes | bytearray) -> bool:
    """The end of a message without its start: it closes a JSON object, yet does not
    parse as one."""
    return (bytes(line).rstrip(b"\r").endswith(b"}")
            and not isinstance(parse_line(bytes(line)), Message))
