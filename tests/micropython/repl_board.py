"""A virtual Pico W on a pseudo-terminal: the MicroPython WebAssembly REPL
(repl_board.mjs, under Node) behind a real pty, so mpremote, ampy and pyserial
talk to it as to a board.

    with ReplBoard(flash_dir) as board:
        run(["mpremote", "connect", board.port, "ls"])
        board.sync()   # flash_dir now mirrors the board's filesystem

    python tests/micropython/repl_board.py FLASHDIR   # serve one by hand
"""

from __future__ import annotations

import contextlib
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


class ReplBoard:
    def __init__(self, flash_dir: Path, heap: str = "512k") -> None:
        self.flash_dir = Path(flash_dir)
        self.heap = heap
        self._control: queue.Queue[bytes] = queue.Queue()
        self._lock = threading.Lock()
        self.port = ""

    def start(self) -> ReplBoard:
        self._master, self._slave = os.openpty()
        # Raw, like a USB CDC port: no echo, no newline translation on either side.
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self.port = os.ttyname(self._slave)
        self._node = subprocess.Popen(
            ["node", str(HERE / "repl_board.mjs"), "--flash", str(self.flash_dir),
             "--heap", self.heap],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
        )
        assert self._node.stdin and self._node.stdout
        self._to_node = self._node.stdin
        threading.Thread(target=self._from_pty, daemon=True).start()
        threading.Thread(target=self._from_node, daemon=True).start()
        return self

    def _send(self, kind: bytes, payload: bytes) -> None:
        with self._lock:
            self._to_node.write(kind + struct.pack(">I", len(payload)) + payload)
            self._to_node.flush()

    def _from_pty(self) -> None:
        # We keep the slave side open ourselves, so reads never hit EIO between
        # the tools' connections (a pty with no open slave reports a hang-up).
        while True:
            try:
                data = os.read(self._master, 4096)
                self._send(b"S", data)
            except (OSError, ValueError):
                return

    def _from_node(self) -> None:
        stream = self._node.stdout
        assert stream
        while True:
            head = stream.read(5)
            if len(head) < 5:
                return
            kind, size = head[:1], struct.unpack(">I", head[1:])[0]
            payload = stream.read(size)
            if kind == b"S":
                os.write(self._master, payload)
            else:
                self._control.put(payload)

    def sync(self, timeout: float = 10) -> None:
        """Bring flash_dir up to date with the board's filesystem, and wait for it."""
        self._send(b"C", b"sync")
        reply = self._control.get(timeout=timeout)
        assert reply == b"synced", reply

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._to_node.close()  # the board powers off when its input ends
        try:
            self._node.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._node.kill()
            self._node.wait()
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
