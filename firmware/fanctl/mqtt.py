# A small MQTT 3.1.1 client for the control loop: poll() does a bounded amount of work
# and never waits on the network (umqtt.simple blocks; micropython-mqtt is asyncio-only:
# docs/wifi.md). The socket is non-blocking from the start. Reconnecting (and its
# backoff) is the caller's: the client goes "down" with last_error and waits for start().
# Here: how a session begins (the broker's address, TCP, CONNECT) and its timers; its
# packets, buffers and end: fanctl.mqtt_packets; a broker by name: fanctl.dns.
import errno
import select
import socket
import sys
import time

from fanctl import const
from fanctl.dns import is_ip, os_error
from fanctl.mqtt_packets import (
    CONNECT,
    DISCONNECT,
    PINGREQ,
    RX_SIZE,
    TX_SIZE,
    Malformed,
    MQTTPackets,
    as_bytes,
    varint_len,
)

TIMEOUT_MS = const(10000)  # TCP connect + CONNACK, and a PINGRESP, must come within this

_EINPROGRESS = (errno.EINPROGRESS, getattr(errno, "EALREADY", errno.EINPROGRESS))


class MQTTClient(MQTTPackets):
    def __init__(self, client_id, host, port=1883, user=None, password=None,
                 keepalive=60, will=None, on_message=None, ticks=None,
                 resolve=None, timeout_ms=TIMEOUT_MS, tx_size=TX_SIZE, rx_size=RX_SIZE):
        # will: (topic, payload, retain, qos); on_message(topic: str, payload: bytes,
        # retain: bool): retain set for a message the broker kept (sent on subscribing).
        # ticks: ticks_ms/ticks_add/ticks_diff (the board); default: MicroPython's time.
        # resolve(host) -> IP text, or None while still asking (called on each poll until
        # it answers; raises OSError when the name has no address). Not needed for an IP.
        self.client_id = client_id
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.will = will
        self.resolve = resolve
        self.timeout_ms = timeout_ms
        super().__init__(on_message, ticks or time, tx_size, rx_size)

    # -- the caller's calls ---------------------------------------------------------
    def start(self):
        # Begin (or begin again) a connection; returns at once: poll() carries it on.
        self._drop()
        self.state = "connecting"
        self.last_error = ""
        self.since = self.ticks.ticks_ms()
        self.tcp_up = False
        self.ping_out = False
        self.inflight = {}
        self.tx_head = self.tx_tail = 0
        self.rx_len = self.rx_skip = 0
        self._queue_connect()
        if is_ip(self.host) or self.resolve is None:
            self._connect_to(self.host)

    def poll(self):
        # Bounded work, never waits: connect progress, what has arrived, the keepalive,
        # the timeouts, and as much queued output as the socket takes now.
        if self.state == "down":
            return
        try:
            if self.sock is None:
                self._resolving()
            elif not self.tcp_up:
                self._connecting()
            if self.tcp_up:
                self._read()
            if self.state == "down":
                return
            self._timers()
            if self.tcp_up:
                self._write()
        except Malformed as e:
            self._down("malformed packet from the broker: " + str(e.args[0]))
        except OSError as e:
            self._down(os_error(e))

    def close(self):
        # DISCONNECT if the socket takes it now (the broker then drops the will), close.
        if self.state == "up":
            self.tx_head = self.tx_tail = 0
            self._put_header(DISCONNECT, 0)
            try:
                self._write()
            except OSError:
                pass
        self._down("closed")

    # -- connecting -------------------------------------------------------------------
    def _resolving(self):
        ip = self.resolve(self.host) if self.resolve else None
        if ip:
            self._connect_to(ip)

    def _connect_to(self, host):
        try:
            if is_ip(host):
                addr = socket.getaddrinfo(host, self.port)[0][-1]  # a literal: no DNS
            elif sys.platform == "rp2":
                # getaddrinfo would block the loop while DNS answers (or times out)
                self._down("a broker name needs a resolver on the board: give its IP")
                return
            else:
                # off the board (the unix port): its getaddrinfo may wait for DNS
                addr = socket.getaddrinfo(host, self.port)[0][-1]
            s = socket.socket()
            s.setblocking(False)
            self.sock = s
            self.poller = select.poll()
            self.poller.register(s, select.POLLOUT)
            try:
                s.connect(addr)
            except OSError as e:
                if e.args[0] not in _EINPROGRESS:
                    raise
        except OSError as e:
            self._down(os_error(e))

    def _connecting(self):
        poller = self.poller
        assert poller is not None
        for _, ev in poller.poll(0):
            if ev & (select.POLLERR | select.POLLHUP):
                raise OSError(errno.ECONNREFUSED)
            if ev & select.POLLOUT:
                self.tcp_up = True
                poller.modify(self.sock, select.POLLIN)

    def _queue_connect(self):
        will = self.will
        cid = as_bytes(self.client_id)
        flags = 0x02  # clean session
        size = 10 + 2 + len(cid)
        if will:
            wtopic = as_bytes(will[0])
            wmsg = as_bytes(will[1])
            flags |= 0x04 | (will[3] << 3) | (0x20 if will[2] else 0)
            size += 2 + len(wtopic) + 2 + len(wmsg)
        if self.user is not None:
            user = as_bytes(self.user)
            flags |= 0x80
            size += 2 + len(user)
            if self.password is not None:
                password = as_bytes(self.password)
                flags |= 0x40
                size += 2 + len(password)
        if not self._room(1 + varint_len(size) + size):
            raise ValueError("CONNECT does not fit in tx_size")
        self._put_header(CONNECT, size)
        self._put(b"\x00\x04MQTT\x04")
        self._put(bytes((flags,)))
        self._put_u16(self.keepalive)
        self._put_str(cid)
        if will:
            self._put_str(wtopic)
            self._put_str(wmsg)
        if flags & 0x80:
            self._put_str(user)
        if flags & 0x40:
            self._put_str(password)

    # -- time -------------------------------------------------------------------------
    def _timers(self):
        ticks = self.ticks
        now = ticks.ticks_ms()
        waited = ticks.ticks_diff(now, self.since)
        if self.state == "connecting":
            if waited >= self.timeout_ms:
                self._down(("no CONNACK" if self.tcp_up else "no TCP connection")
                           + " within %d ms" % self.timeout_ms)
        elif self.ping_out and waited >= self.timeout_ms:
            self._down("no PINGRESP within %d ms" % self.timeout_ms)
        elif (self.keepalive and not self.ping_out and waited >= self.keepalive * 500
              and self._room(2)):
            # Every keepalive/2 whatever else goes out: a broker that is gone shows
            # up within timeout_ms of the next ping even while publishing QoS 0.
            self._put_header(PINGREQ, 0)
            self.ping_out = True
            self.since = now
