"""The Pico's USB serial port as MicroPython's rp2 port drives it
(shared/tinyusb/mp_usbd_cdc.c, mp_usbd_cdc.h, tusb_config.h), in front of the
virtual Pico's pseudo-terminal:

- a 256-byte transmit FIFO, written in chunks of at most 64 bytes (the endpoint);
- while a host holds the port open (DTR; here: the pty's other side is open), a
  write that does not fit waits up to 500 ms for room, then writes what fits and
  gives up on the rest; poll reports "writable" when at least one byte fits;
- while no host holds it open, writes never wait: the FIFO keeps the newest 256
  bytes, sent some 16 ms after a host opens the port (what pyserial's flush on open
  has not yet thrown away arrives as a fragment of a line);
- a 0x03 byte from the host raises KeyboardInterrupt in the firmware on arrival and
  empties the receive buffer (`on_interrupt`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from picofan.sim.serial_port import VirtualSerialPort

TX_FIFO = 256  # CFG_TUD_CDC_TX_BUFSIZE at full speed
TX_CHUNK = 64  # CFG_TUD_CDC_EP_BUFSIZE
TX_TIMEOUT_MS = 500  # MICROPY_HW_USB_CDC_TX_TIMEOUT
CONNECT_FLUSH_S = 0.016  # 16 SOF frames after DTR before the FIFO goes out
CTRL_C = 3
# What the pty can hold unread (the kernel's 64 KB tty buffer and its 4 KB line
# buffer), with room to spare: how far back the last bytes sent are kept.
SENT_TAIL = 1 << 17


class UsbCdc:
    def __init__(self, port: VirtualSerialPort) -> None:
        self.port = port
        self.fifo = bytearray()
        self.lock = threading.Lock()
        self.connected = False
        self.connected_at = 0.0
        self.dropped_bytes = 0  # written while full (timed out) or overwritten unconnected
        self.sent_tail = bytearray()  # the last bytes that went out to the pty

    # -- the device side -----------------------------------------------------------
    def room(self) -> int:
        """What poll and the write path see: FIFO space, or plenty when unconnected."""
        with self.lock:
            self._move()
            return TX_FIFO - len(self.fifo) if self.connected else TX_FIFO

    def write(self, data: bytes, wait_ms: Callable[[int], None]) -> int:
        """mp_usbd_cdc_tx_strn: returns the bytes taken. `wait_ms(1)` lets one
        millisecond of board time pass (the host may read meanwhile)."""
        i = waited = 0
        while i < len(data):
            n = min(len(data) - i, TX_CHUNK)
            with self.lock:
                self._move()
                connected = self.connected
            if connected:
                t0 = waited
                while n > self.room() and waited - t0 < TX_TIMEOUT_MS:
                    wait_ms(1)
                    waited += 1
                n = min(n, self.room())
                if n == 0:
                    break
            with self.lock:
                self._append(data[i:i + n])
            i += n
        self.dropped_bytes += len(data) - i
        return i

    def write_raw(self, data: bytes) -> None:
        """Output the firmware did not send through its own writer (a traceback, the
        REPL): into the FIFO as far as it fits now, never waiting."""
        with self.lock:
            self._move()
            room = TX_FIFO - len(self.fifo) if self.connected else len(data)
            self.dropped_bytes += max(0, len(data) - room)
            self._append(data[:room])

    def _append(self, data: bytes) -> None:
        self.fifo += data
        if len(self.fifo) > TX_FIFO:  # unconnected: the newest bytes stay
            self.dropped_bytes += len(self.fifo) - TX_FIFO
            del self.fifo[:len(self.fifo) - TX_FIFO]
        self._move()

    # -- the wire: called often by the serving thread -----------------------------------
    def service(self) -> None:
        with self.lock:
            self._move()

    def _move(self) -> None:
        # Host connected? (The pty's other side is open.) Then FIFO -> pty as it takes it.
        now_connected = self.port.host_attached()
        if now_connected and not self.connected:
            self.connected_at = time.monotonic()
        self.connected = now_connected
        if not now_connected or time.monotonic() - self.connected_at < CONNECT_FLUSH_S:
            return
        if self.fifo:
            n = self.port.write_some(bytes(self.fifo))
            self.sent_tail += self.fifo[:n]
            del self.sent_tail[:-SENT_TAIL]
            del self.fifo[:n]

    def backed_up(self) -> bool:
        """A host holds the port open and has not read what it was sent."""
        with self.lock:
            self._move()
            return self.connected and bool(self.fifo)

    def undelivered(self) -> bytes:
        """As the cable comes out: what the host has not got whole, from the start of
        the line it was reading (the pty's unread bytes and whatever of that line it
        read) through what never left the FIFO. Nothing moves meanwhile."""
        with self.lock:
            unread = self.port.unread()
            head = max(0, len(self.sent_tail) - len(unread))
            start = self.sent_tail.rfind(b"\n", 0, head) + 1
            return bytes(self.sent_tail[start:]) + bytes(self.fifo)

    def unplug(self) -> None:
        with self.lock:
            self.fifo.clear()
            self.sent_tail.clear()
            self.connected = False

    def reset(self) -> None:
        # A board reset empties the USB stack's buffers.
        with self.lock:
            self.fifo.clear()
