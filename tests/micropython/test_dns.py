"""fanctl.dns, the board's non-blocking resolver, on MicroPython's unix port: the MQTT
client reaching a broker by name through a real UDP DNS server on a free port (answers,
NXDOMAIN, silence), and by name with no resolver given. Nothing here waits for a
duration: each step waits for a condition."""

from __future__ import annotations

import socket
import threading

from mqtt_broker import TestBroker
from mqtt_micropython import MicroPythonClient
from mqtt_rig import polls_go_on
from mqtt_watch import Watcher


class DNSServer:
    """A DNS server on a free UDP port for DNSResolver: names -> IPv4 (each answer a
    CNAME first, then the A record, as recursive servers answer), NXDOMAIN for other
    names, and no answer at all for names in `silent`."""

    def __init__(self, names: dict[str, str], silent: tuple[str, ...] = ()) -> None:
        self.names = names
        self.silent = silent
        self.asked: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                return
            labels, i = [], 12
            while query[i]:
                labels.append(query[i + 1:i + 1 + query[i]].decode())
                i += 1 + query[i]
            name = ".".join(labels)
            self.asked.append(name)
            question = query[12:i + 5]
            if name in self.silent:
                continue
            ip = self.names.get(name)
            if ip is None:
                self.sock.sendto(query[:2] + b"\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00"
                                 + question, peer)
                continue
            alias = b"\x05alias\xc0\x0c"
            cname = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c" + len(alias).to_bytes(2, "big")
            a = (b"\xc0" + bytes([12 + len(question)]) + b"\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04"
                 + bytes(int(p) for p in ip.split(".")))
            self.sock.sendto(query[:2] + b"\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00"
                             + question + cname + alias + a, peer)

    def close(self) -> None:
        self.sock.close()


def start_named(started: list[MicroPythonClient], host: str, port: int, dns: DNSServer,
                **kwargs: object) -> MicroPythonClient:
    c = MicroPythonClient(client_id="picofan-dns", host=host, port=port,
                          dns={"server": "127.0.0.1", "port": dns.port, "timeout_ms": 500,
                               "tries": 2}, **kwargs)
    started.append(c)
    c.ask("start")
    return c


def test_broker_by_name_through_the_non_blocking_resolver(
        broker: TestBroker, home: Watcher, board: list[MicroPythonClient]) -> None:
    dns = DNSServer({"mqtt.greenhouse.lan": "127.0.0.1"})
    try:
        c = start_named(board, "mqtt.greenhouse.lan", broker.port, dns)
        c.wait_state("up")
        assert dns.asked == ["mqtt.greenhouse.lan"]
        assert c.ask("publish", topic="picofan/t/named", payload="hi") is True
        assert home.wait("picofan/t/named").payload == b"hi"
    finally:
        dns.close()


def test_unknown_or_unanswered_name_goes_down_with_a_reason(
        board: list[MicroPythonClient]) -> None:
    dns = DNSServer({}, silent=("quiet.lan",))
    try:
        c = start_named(board, "nowhere.lan", 1883, dns)
        assert c.wait_state("down", after=c.started) == (
            "network error: DNS: nowhere.lan has no address (rcode 3)")
        q = start_named(board, "quiet.lan", 1883, dns)
        polls_go_on(q)  # while the server says nothing
        assert q.wait_state("down", after=q.started) == (
            "network error: DNS: no answer for quiet.lan from 127.0.0.1")
        assert dns.asked.count("quiet.lan") == 2  # tries=2
    finally:
        dns.close()


def test_name_without_a_resolver_uses_getaddrinfo_off_the_board(
        broker: TestBroker, board: list[MicroPythonClient]) -> None:
    c = MicroPythonClient(client_id="picofan-localhost", host="localhost", port=broker.port)
    board.append(c)
    c.ask("start")
    c.wait_state("up")
