"""A virtual Pico W on a pseudo-terminal: the MicroPython WebAssembly REPL
(repl_board.mjs, under Node) behind a real pty, so mpremote, ampy and pyserial
talk to it as to a board. Its watchdog is a model of the RP2040's: when it expires
the board hard-resets (a fresh Node process on the same pty and flash, whose
machine.reset_cause() is WDT_RESET); `resets` records each one.

    with ReplBoard(flash_dir) as board:
        run(["mpremote", "connect", board.port, "ls"])
        board.sync()   # flash_dir now mirrors the board's filesystem

    python tests/micropython/repl_board.py FLASHDIR   # serve one by hand
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import tty
from pathlib import Path
from types import TracebackType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


# The rp2 port's os.uname().machine on each board (ports/rp2: MICROPY_HW_BOARD_NAME
# " with " MICROPY_HW_MCU_NAME).
PICO_W = "Raspberry Pi Pico W with RP2040"
PICO_2_W = "Raspberry Pi Pico 2 W with RP2350"

_RESET = b"\0reset"  # in the reply queue: the board reset while a request waited


class BoardReset(Exception):
    """The board reset (its watchdog expired) before it answered."""


class ReplBoard:
    def __init__(self, flash_dir: Path, heap: str = "512k",
                 machine: str = PICO_W) -> None:
        self.flash_dir = Path(flash_dir)
        self.heap = heap
        self.machine = machine  # as os.uname().machine says it; it picks the chip modelled
        self._control: queue.Queue[bytes] = queue.Queue()
        self._lock = threading.Lock()  # the Node process and its input pipe
        self._request_lock = threading.Lock()  # one control request at a time
        self._changed = threading.Condition()
        self.resets: list[str] = []  # "watchdog" for each hard reset, in order
        self.port = ""

    def start(self) -> ReplBoard:
        self._master, self._slave = os.openpty()
        # Raw, like a USB CDC port: no echo, no newline translation on either side.
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self.port = os.ttyname(self._slave)
        self._stopping = False
        self._spawn("power")
        threading.Thread(target=self._from_pty, daemon=True).start()
        threading.Thread(target=self._from_node, daemon=True).start()
        return self

    def _spawn(self, cause: str) -> None:
        # Power-on or a hard reset: a fresh interpreter on the same port and flash.
        self._node = subprocess.Popen(
            ["node", str(HERE / "repl_board.mjs"), "--flash", str(self.flash_dir),
             "--heap", self.heap, "--reset-cause", cause, "--machine", self.machine],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
        )
        assert self._node.stdin and self._node.stdout
        self._to_node = self._node.stdin

    def _send(self, kind: bytes, payload: bytes) -> None:
        with self._lock:
            try:
                self._to_node.write(kind + struct.pack(">I", len(payload)) + payload)
                self._to_node.flush()
            except (BrokenPipeError, ValueError):
                pass  # the board is resetting: what it had not read is lost, as on a Pico

    def _from_pty(self) -> None:
        # We keep the slave side open ourselves, so reads never hit EIO between
        # the tools' connections (a pty with no open slave reports a hang-up).
        while True:
            try:
                data = os.read(self._master, 4096)
            except (OSError, ValueError):
                return
            self._send(b"S", data)

    def _from_node(self) -> None:
        while True:
            node = self._node
            stream = node.stdout
            assert stream
            reset = ""  # why the board is going away, if it said so
            while True:
                head = stream.read(5)
                if len(head) < 5:
                    break
                kind, size = head[:1], struct.unpack(">I", head[1:])[0]
                payload = stream.read(size)
                if kind == b"S":
                    with contextlib.suppress(OSError):
                        os.write(self._master, payload)
                elif kind == b"R":
                    reset = payload.decode()
                else:
                    self._control.put(payload)
            node.wait()
            with self._lock:
                if not reset or self._stopping:
                    return
                with contextlib.suppress(OSError):
                    node.stdin.close()  # type: ignore[union-attr]
                self._spawn(reset)
                self._control.put(_RESET)
            with self._changed:
                self.resets.append(reset)
                self._changed.notify_all()

    def request(self, text: str, timeout: float = 30) -> bytes:
        """One control request and its reply; BoardReset if the board reset first."""
        with self._request_lock:
            while not self._control.empty():  # late replies, resets nobody waited for
                self._control.get_nowait()
            self._send(b"C", text.encode())
            reply = self._control.get(timeout=timeout)
        if reply == _RESET:
            raise BoardReset(f"the board reset before answering {text!r}")
        return reply

    def sync(self, timeout: float = 10) -> None:
        """Bring flash_dir up to date with the board's filesystem, and wait for it."""
        try:
            reply = self.request("sync", timeout)
        except BoardReset:
            reply = self.request("sync", timeout)  # the reset wrote the flash; ask the new one
        assert reply == b"synced", reply

    # ---- the watchdog model, seen from outside the board ------------------------
    def watchdog(self) -> dict[str, object]:
        """The watchdog now: {"now": board ms, "enabled", "load_ms", "deadline"}."""
        return dict(json.loads(self.request("watchdog")))

    def wait_clock(self, board_ms: int, timeout: float = 60) -> int:
        """Wait until the board's clock reaches board_ms, the watchdog checked then
        (BoardReset if it expired meanwhile); the board's time at that moment."""
        reply = self.request(f"clock {board_ms}", timeout)
        return int(reply.split()[1])

    def wait_resets(self, count: int, timeout: float = 60) -> list[str]:
        """Wait until the board has hard-reset `count` times in all."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.resets) >= count, timeout):
                raise TimeoutError(f"{len(self.resets)} resets in {timeout} s, not {count}")
            return list(self.resets)

    def hang_adc(self) -> None:
        """From now until the next reset, an ADC conversion never completes."""
        assert self.request("hang-adc") == b"ok"

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            node = self._node
            with contextlib.suppress(OSError):
                self._to_node.close()  # the board powers off when its input ends
        try:
            node.wait(timeout=5)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> ReplBoard:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    flash = Path(sys.argv[1] if len(sys.argv) > 1 else "flash")
    flash.mkdir(parents=True, exist_ok=True)
    with ReplBoard(flash) as board:
        print(f"virtual Pico W on {board.port} (flash: {flash}); Ctrl-C to stop")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            board.sync()


if __name__ == "__main__":
    main()
