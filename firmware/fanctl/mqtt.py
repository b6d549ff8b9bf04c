# A small MQTT 3.1.1 client for the control loop: poll() does a bounded amount of work
# and never waits on the network (umqtt.simple blocks; micropython-mqtt is asyncio-only:
# docs/wifi.md). The socket is non-blocking from the start; what goes out waits in one
# bounded buffer and is written as far as the socket takes it; what comes in is
# reassembled in another, however the bytes are split. Reconnecting (and its backoff)
# is the caller's: the client goes "down" with last_error and waits for start().
#
# Supported: CONNECT (clean session, keepalive, will, user/password), CONNACK with its
# refusal codes, PUBLISH QoS 0 and 1 both ways (QoS 1 out is kept in `inflight` until
# its PUBACK; not resent after a reconnect), SUBSCRIBE/SUBACK, PINGREQ/PINGRESP,
# DISCONNECT. Not: QoS 2, persistent sessions, TLS.
import errno
import select
import socket
import sys
import time

from fanctl import const

TX_SIZE = const(4096)  # the largest packet publish() takes (HA discovery is ~2.7 KB)
RX_SIZE = const(1024)  # the largest packet kept; longer ones are skipped, not dispatched
TIMEOUT_MS = const(10000)  # TCP connect + CONNACK, and a PINGRESP, must come within this
MAX_INFLIGHT = const(8)  # QoS 1 publishes and subscribes waiting for their ack

_CONNECT = const(0x10)
_CONNACK = const(0x20)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
_PINGREQ = const(0xC0)
_PINGRESP = const(0xD0)
_DISCONNECT = const(0xE0)

# CONNACK return codes 1..5 (MQTT 3.1.1, 3.2.2.3)
_REFUSED = ("unacceptable protocol version", "client identifier rejected",
            "server unavailable", "bad user name or password", "not authorized")
_EAGAIN = (errno.EAGAIN, getattr(errno, "EWOULDBLOCK", errno.EAGAIN))
_EINPROGRESS = (errno.EINPROGRESS, getattr(errno, "EALREADY", errno.EINPROGRESS))


class _MonotonicTicks:
    # CPython's time has no ticks_*: the same three calls on a monotonic ms clock.
    def ticks_ms(self):
        return int(time.monotonic() * 1000)  # type: ignore[attr-defined]

    def ticks_add(self, t, delta):
        return t + delta

    def ticks_diff(self, a, b):
        return a - b


def _default_ticks():
    return time if hasattr(time, "ticks_ms") else _MonotonicTicks()


def is_ip(host):
    # A dotted IPv4 literal: connecting to it needs no DNS.
    parts = host.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p or len(p) > 3 or not p.isdigit() or int(p) > 255:
            return False
    return True


class DNSResolver:
    # resolve= for MQTTClient on the board: one DNS A query at a time over UDP to
    # `server` (the DNS server DHCP gave: wlan.ifconfig()[3]), never waiting. Called
    # with the same name on each poll: None while the answer is not in, then the
    # address (once; the next call asks again); OSError when the name has none or the
    # server did not answer `tries` queries of timeout_ms each.
    def __init__(self, server, ticks=None, timeout_ms=2000, tries=3, port=53):
        self.server = server
        self.port = port
        self.ticks = ticks or _default_ticks()
        self.timeout_ms = timeout_ms
        self.tries = tries
        self.name = None  # the name being asked about
        self.sock = None
        self.qid = 0
        self.left = 0  # queries still to send
        self.sent = 0  # ticks_ms of the last one

    def __call__(self, name):
        if name != self.name:
            self._close()
            self.name = name
            self.left = self.tries
            self._send()
            return None
        sock = self.sock
        assert sock is not None
        try:
            answer = sock.recv(512)
        except OSError as e:
            if e.args[0] not in _EAGAIN:
                self._fail("DNS: " + _os_error(e))
            answer = None
        if answer:
            ip = self._address(answer)
            if ip:
                self._close()
                return ip
        if self.ticks.ticks_diff(self.ticks.ticks_ms(), self.sent) >= self.timeout_ms:
            if not self.left:
                self._fail("DNS: no answer for %s from %s" % (name, self.server))
            self._send()
        return None

    def _send(self):
        if self.sock is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setblocking(False)
            s.connect(socket.getaddrinfo(self.server, self.port)[0][-1])
            self.sock = s
        assert self.name is not None
        self.qid = (self.qid + 1) & 0xFFFF
        q = bytearray(b"\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        q[0] = self.qid >> 8  # then: recursion desired, 1 question
        q[1] = self.qid & 0xFF
        for label in self.name.split("."):
            q.append(len(label))
            q.extend(label.encode())
        q.extend(b"\x00\x00\x01\x00\x01")  # root, type A, class IN
        self.sock.send(q)
        self.sent = self.ticks.ticks_ms()
        self.left -= 1

    def _address(self, m):
        # The first A record of an answer to our query; None for someone else's packet.
        if len(m) < 12 or (m[0] << 8 | m[1]) != self.qid or not m[2] & 0x80:
            return None
        if m[3] & 0x0F:
            self._fail("DNS: %s has no address (rcode %d)" % (self.name, m[3] & 0x0F))
        i = _skip_name(m, 12) + 4  # the question
        for _ in range((m[6] << 8) | m[7]):
            i = _skip_name(m, i)
            if i + 10 > len(m):
                break
            kind = (m[i] << 8) | m[i + 1]
            size = (m[i + 8] << 8) | m[i + 9]
            i += 10
            if kind == 1 and size == 4 and i + 4 <= len(m):
                return "%d.%d.%d.%d" % (m[i], m[i + 1], m[i + 2], m[i + 3])
            i += size
        self._fail("DNS: no address for %s" % self.name)

    def _fail(self, why):
        self._close()
        raise OSError(why)

    def _close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.name = None


def _skip_name(m, i):
    # Past a DNS name at m[i]: labels up to a zero, or up to a 2-byte pointer.
    while i < len(m):
        n = m[i]
        if n & 0xC0 == 0xC0:
            return i + 2
        if not n:
            return i + 1
        i += n + 1
    return i


def _blocking_resolve(host):
    # getaddrinfo blocks while DNS answers: acceptable only off the board (unix port,
    # CPython tests). The board passes a non-blocking `resolve` or an IP.
    return socket.getaddrinfo(host, 0)[0][-1]


class _Malformed(Exception):
    pass


class MQTTClient:
    def __init__(self, client_id, host, port=1883, user=None, password=None,
                 keepalive=60, will=None, on_message=None, ticks=None,
                 resolve=None, timeout_ms=TIMEOUT_MS, tx_size=TX_SIZE, rx_size=RX_SIZE):
        # will: (topic, payload, retain, qos); on_message(topic: str, payload: bytes,
        # retain: bool): retain set for a message the broker kept (sent on subscribing).
        # ticks: ticks_ms/ticks_add/ticks_diff (the board); default: time's.
        # resolve(host) -> IP text, or None while still asking (called on each poll until
        # it answers; raises OSError when the name has no address). Not needed for an IP.
        self.client_id = client_id
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.will = will
        self.on_message = on_message
        self.ticks = ticks or _default_ticks()
        self.resolve = resolve
        self.timeout_ms = timeout_ms
        self.state = "down"
        self.last_error = "not started"  # why it went down; "" since start() until then
        self.inflight = {}  # packet id -> topic (filter) of a QoS 1 publish or a subscribe
        self.received = 0  # PUBLISH packets dispatched
        self.pings = 0  # PINGRESPs received
        self.skipped = 0  # PUBLISH packets over rx_size, dropped unread
        self.sock = None
        self.poller = None
        self.tx = bytearray(tx_size)
        self.tx_view = memoryview(self.tx)
        self.tx_head = 0  # next byte to write
        self.tx_tail = 0  # end of the queued bytes
        self.rx = bytearray(rx_size)
        self.rx_view = memoryview(self.rx)
        self.rx_len = 0
        self.rx_skip = 0  # bytes still to throw away of a packet too big for rx
        self.next_pid = 0
        self.tcp_up = False
        self.since = 0  # ticks_ms: start() when connecting, the last PINGREQ when up
        self.ping_out = False  # a PINGREQ waits for its PINGRESP

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
        except _Malformed as e:
            self._down("malformed packet from the broker: " + str(e.args[0]))
        except OSError as e:
            self._down(_os_error(e))

    def publish(self, topic, payload, retain=False, qos=0):
        # Queue one PUBLISH; False (nothing queued) when not up, when it does not fit in
        # the free part of the buffer, or when too many QoS 1 messages wait for acks:
        # the caller drops it and carries on. payload: str or bytes, or a writer,
        # write(out) calling out.write(str) piece by piece, run twice (to count its
        # bytes, which go first, then into the buffer), so a large payload (Home
        # Assistant's discovery config) is never whole in RAM outside the buffer.
        if self.state != "up" or (qos and len(self.inflight) >= MAX_INFLIGHT):
            return False
        topic = _bytes(topic)
        if callable(payload):
            counter = _Writer(None, 0)
            payload(counter)
            length = counter.at
        else:
            payload = _bytes(payload)
            length = len(payload)
        size = 2 + len(topic) + length + (2 if qos else 0)
        first = _PUBLISH | (qos << 1) | (1 if retain else 0)
        if not self._room(1 + _varint_len(size) + size):
            return False
        start = self.tx_tail
        self._put_header(first, size)
        self._put_str(topic)
        pid = self._pid() if qos else 0
        if qos:
            self._put_u16(pid)
        if callable(payload):
            end = self.tx_tail + length
            out = _Writer(self.tx_view, self.tx_tail, end)
            try:
                payload(out)
            except ValueError:  # it wrote more the second time
                out.at = -1
            except Exception:  # (no half packet is left in the buffer)
                self.tx_tail = start
                raise
            if out.at != end:  # ...or less: the packet is not sent
                self.tx_tail = start
                return False
            self.tx_tail = end
        else:
            self._put(payload)
        if qos:
            self.inflight[pid] = topic
        self._write_soon()
        return True

    def subscribe(self, topic_filter, qos=0):
        # Queue one SUBSCRIBE (its SUBACK clears it from inflight); False as publish.
        if self.state != "up" or len(self.inflight) >= MAX_INFLIGHT:
            return False
        topic_filter = _bytes(topic_filter)
        size = 2 + 2 + len(topic_filter) + 1
        if not self._room(1 + _varint_len(size) + size):
            return False
        pid = self._pid()
        self._put_header(_SUBSCRIBE, size)
        self._put_u16(pid)
        self._put_str(topic_filter)
        self._put(bytes((qos,)))
        self.inflight[pid] = topic_filter
        self._write_soon()
        return True

    def close(self):
        # DISCONNECT if the socket takes it now (the broker then drops the will), close.
        if self.state == "up":
            self.tx_head = self.tx_tail = 0
            self._put_header(_DISCONNECT, 0)
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
                addr = _blocking_resolve(host)
                addr = socket.getaddrinfo(_ip_text(addr), self.port)[0][-1]
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
            self._down(_os_error(e))

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
        cid = _bytes(self.client_id)
        flags = 0x02  # clean session
        size = 10 + 2 + len(cid)
        if will:
            wtopic = _bytes(will[0])
            wmsg = _bytes(will[1])
            flags |= 0x04 | (will[3] << 3) | (0x20 if will[2] else 0)
            size += 2 + len(wtopic) + 2 + len(wmsg)
        if self.user is not None:
            user = _bytes(self.user)
            flags |= 0x80
            size += 2 + len(user)
            if self.password is not None:
                password = _bytes(self.password)
                flags |= 0x40
                size += 2 + len(password)
        if not self._room(1 + _varint_len(size) + size):
            raise ValueError("CONNECT does not fit in tx_size")
        self._put_header(_CONNECT, size)
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
            self._put_header(_PINGREQ, 0)
            self.ping_out = True
            self.since = now

    # -- input --------------------------------------------------------------------------
    def _read(self):
        # One read per poll (at most the free part of rx), then every whole packet in it.
        sock = self.sock
        assert sock is not None
        have = self.rx_len
        try:
            # (a memoryview slice is a heap object: only when a packet is half in)
            n = sock.readinto(self.rx_view[have:] if have else self.rx, len(self.rx) - have)
        except OSError as e:
            if e.args[0] in _EAGAIN:
                return
            raise
        if n is None:
            return
        if n == 0:
            self._down("the broker closed the connection")
            return
        if self.rx_skip:
            drop = min(n, self.rx_skip)
            self.rx_skip -= drop
            self.rx_view[self.rx_len:self.rx_len + n - drop] = \
                self.rx_view[self.rx_len + drop:self.rx_len + n]
            n -= drop
        self.rx_len += n
        while self.state != "down" and self._one_packet():
            pass

    def _one_packet(self):
        # Handle the packet at the start of rx if it is all there; True if one was.
        have = self.rx_len
        if have < 2:
            return False
        rx = self.rx
        size = 0
        shift = 0
        i = 1
        while True:
            if i >= have:
                return False
            b = rx[i]
            size |= (b & 0x7F) << shift
            i += 1
            if not b & 0x80:
                break
            shift += 7
            if i > 4:
                raise _Malformed("remaining length over 4 bytes")
        end = i + size
        first = rx[0]
        kind = first & 0xF0
        if end > len(rx):
            if kind != _PUBLISH:
                raise _Malformed("packet type %d of %d bytes" % (kind >> 4, size))
            # Too big to keep: skip it whole, bytes already in and still to come.
            self.skipped += 1
            self.rx_skip = end - have
            self.rx_len = 0
            return False
        if end > have:
            return False
        topic = payload = None
        view = self.rx_view
        if kind == _PUBLISH:
            qos = (first >> 1) & 3
            if qos > 1:
                raise _Malformed("PUBLISH with QoS %d" % qos)
            if size < 2:
                raise _Malformed("PUBLISH without a topic")
            tlen = (rx[i] << 8) | rx[i + 1]
            body = i + 2 + tlen + (2 if qos else 0)
            if body > end:
                raise _Malformed("PUBLISH topic longer than the packet")
            try:
                topic = str(bytes(view[i + 2:i + 2 + tlen]), "utf-8")
            except UnicodeError:
                raise _Malformed("PUBLISH topic not UTF-8")
            payload = bytes(view[body:end])
            if qos:
                if not self._room(4):
                    raise _Malformed("no room to acknowledge QoS 1")  # (never: 4 bytes)
                self._put(b"\x40\x02")
                self._put(view[body - 2:body])
        elif kind == _CONNACK:
            if size != 2 or self.state != "connecting":
                raise _Malformed("CONNACK")
            code = rx[i + 1]
            if code:
                self._consume(end)
                self._down("broker refused the connection: " + (
                    _REFUSED[code - 1] if code <= len(_REFUSED) else "code %d" % code))
                return False
            self.state = "up"
            self.since = self.ticks.ticks_ms()
        elif self.state != "up":
            raise _Malformed("packet type %d before CONNACK" % (kind >> 4))
        elif kind in (_PUBACK, _SUBACK):
            if size != 2 if kind == _PUBACK else size < 3:
                raise _Malformed("PUBACK" if kind == _PUBACK else "SUBACK")
            pid = (rx[i] << 8) | rx[i + 1]
            what = self.inflight.pop(pid, None)
            if kind == _SUBACK and what is not None and rx[i + 2] == 0x80:
                self.last_error = "broker refused the subscription to " + str(what, "utf-8")
        elif kind == _PINGRESP:
            if size:
                raise _Malformed("PINGRESP")
            self.ping_out = False
            self.pings += 1
        else:
            raise _Malformed("unexpected packet type %d" % (kind >> 4))
        self._consume(end)
        if topic is not None:
            self.received += 1
            if self.on_message:
                # after the packet is consumed
                self.on_message(topic, payload, bool(first & 1))
        return True

    def _consume(self, n):
        left = self.rx_len - n
        if left:
            self.rx_view[:left] = self.rx_view[n:self.rx_len]
        self.rx_len = left

    # -- output -------------------------------------------------------------------------
    def _room(self, n):
        # Make room for n bytes at the tail (moving the unsent bytes to the front).
        if self.tx_tail + n <= len(self.tx):
            return True
        unsent = self.tx_tail - self.tx_head
        if unsent + n > len(self.tx):
            return False
        if unsent:
            self.tx_view[:unsent] = self.tx_view[self.tx_head:self.tx_tail]
        self.tx_head = 0
        self.tx_tail = unsent
        return True

    def _put(self, data):
        n = len(data)
        self.tx_view[self.tx_tail:self.tx_tail + n] = data
        self.tx_tail += n

    def _put_u16(self, n):
        self.tx[self.tx_tail] = n >> 8
        self.tx[self.tx_tail + 1] = n & 0xFF
        self.tx_tail += 2

    def _put_str(self, b):
        self._put_u16(len(b))
        self._put(b)

    def _put_header(self, first, size):
        tx = self.tx
        tx[self.tx_tail] = first
        self.tx_tail += 1
        while True:
            b = size & 0x7F
            size >>= 7
            tx[self.tx_tail] = b | (0x80 if size else 0)
            self.tx_tail += 1
            if not size:
                return

    def _pid(self):
        pid = self.next_pid % 0xFFFF + 1
        while pid in self.inflight:
            pid = pid % 0xFFFF + 1
        self.next_pid = pid
        return pid

    def _write_soon(self):
        # Publishing from the loop sends at once when the socket has room.
        try:
            self._write()
        except OSError as e:
            self._down(_os_error(e))

    def _write(self):
        if not self.tcp_up or self.sock is None:
            return
        while self.tx_head < self.tx_tail:
            try:
                # MicroPython's stream write(buf, offset, length): no slice to allocate
                n = self.sock.write(self.tx, self.tx_head,  # type: ignore[call-arg]
                                    self.tx_tail - self.tx_head)
            except OSError as e:
                if e.args[0] in _EAGAIN:
                    return
                raise
            if not n:
                return
            self.tx_head += n
        self.tx_head = self.tx_tail = 0

    def _drop(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.poller = None
        self.tcp_up = False

    def _down(self, why):
        self._drop()
        self.state = "down"
        self.last_error = why

    def abort(self, why):
        # The network went (Wi-Fi dropped): close without DISCONNECT, so the broker
        # publishes the last will, as it would once the keepalive ran out.
        self._down(why)


def _bytes(s):
    return s.encode() if isinstance(s, str) else s


class _Writer:
    # What a payload writer writes to: into buf from `at` up to `end` (None: counts).
    def __init__(self, buf, at, end=0):
        self.buf = buf
        self.at = at
        self.end = end

    def write(self, text):
        data = _bytes(text)
        n = len(data)
        if self.buf is not None:
            if self.at + n > self.end:
                raise ValueError("payload longer than counted")
            self.buf[self.at:self.at + n] = data
        self.at += n


def _varint_len(n):
    return 1 if n < 128 else 2 if n < 16384 else 3 if n < 2097152 else 4


def _ip_text(addr):
    # getaddrinfo's sockaddr -> "a.b.c.d" (a tuple on CPython, bytes on MicroPython).
    if isinstance(addr, tuple):
        return addr[0]
    return "%d.%d.%d.%d" % (addr[4], addr[5], addr[6], addr[7])


def _os_error(e):
    code = e.args[0] if e.args else 0
    name = errno.errorcode.get(code) if isinstance(code, int) else None
    return "network error: " + (name or str(e))
