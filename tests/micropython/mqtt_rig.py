"""What the tests of the board's MQTT client (test_mqtt.py, test_mqtt_packets.py,
test_dns.py) share: a client started on MicroPython's unix port, a raw TCP server the
test scripts, and a wait for the client's loop to keep turning."""

from __future__ import annotations

import socket
import threading

from mqtt_micropython import MicroPythonClient
from polling import until

CONNACK = b"\x20\x02\x00\x00"


def start(started: list[MicroPythonClient], port: int, **kwargs: object) -> MicroPythonClient:
    c = MicroPythonClient(client_id=kwargs.pop("client_id", "picofan-test"),
                          host="127.0.0.1", port=port, **kwargs)
    started.append(c)
    c.ask("start")
    return c


class RawServer:
    """One TCP connection on a free port, scripted by the test: it accepts, and then
    sends what it is told to (nothing at all, if it is told nothing)."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None
        self.got = b""
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.conn, _ = self.listener.accept()
        while True:
            try:
                data = self.conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.got += data

    def connected(self) -> socket.socket:
        return until(lambda: self.conn, "the client's TCP connection")

    def send(self, data: bytes) -> None:
        self.connected().sendall(data)

    def close(self) -> None:
        if self.conn:
            self.conn.close()
        self.listener.close()


def polls_go_on(c: MicroPythonClient, more: int = 200) -> dict[str, object]:
    """The client's loop keeps turning: `more` polls returned after this call began."""
    first = c.stats()["polls"]
    return until(lambda: (s := c.stats())["polls"] >= first + more and s,
                 f"{more} more polls")
