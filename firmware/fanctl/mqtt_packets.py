# The MQTT 3.1.1 protocol half of the board's client (fanctl.mqtt keeps the connection
# and its timers): packets encoded into one bounded output buffer and written as far as
# the socket takes them; what comes in reassembled in another, however the bytes are
# split, and each whole packet handled.
#
# Supported: CONNECT (clean session, keepalive, will, user/password), CONNACK with its
# refusal codes, PUBLISH QoS 0 and 1 both ways (QoS 1 out is kept in `inflight` until
# its PUBACK; not resent after a reconnect), SUBSCRIBE/SUBACK, PINGREQ/PINGRESP,
# DISCONNECT. Not: QoS 2, persistent sessions, TLS.
from fanctl import const
from fanctl.dns import EAGAIN, os_error

TX_SIZE = const(4096)  # the largest packet publish() takes (HA discovery is ~2.7 KB)
RX_SIZE = const(1024)  # the largest packet kept; longer ones are skipped, not dispatched
MAX_INFLIGHT = const(8)  # QoS 1 publishes and subscribes waiting for their ack

CONNECT = const(0x10)  # (public: the client sends these three)
_CONNACK = const(0x20)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
PINGREQ = const(0xC0)
_PINGRESP = const(0xD0)
DISCONNECT = const(0xE0)

# CONNACK return codes 1..5 (MQTT 3.1.1, 3.2.2.3)
_REFUSED = ("unacceptable protocol version", "client identifier rejected",
            "server unavailable", "bad user name or password", "not authorized")


class Malformed(Exception):
    pass


class MQTTPackets:
    # The session's buffers and packets, and its end (_down); MQTTClient adds how it
    # begins: the broker's address, the socket's connecting, CONNECT, the timers.
    def __init__(self, on_message, ticks, tx_size, rx_size):
        self.on_message = on_message
        self.ticks = ticks
        self.state = "down"
        self.last_error = "not started"  # why it went down; "" since start() until then
        self.inflight = {}  # packet id -> topic (filter) of a QoS 1 publish or a subscribe
        self.received = 0  # PUBLISH packets dispatched
        self.pings = 0  # PINGRESPs received
        self.skipped = 0  # PUBLISH packets over rx_size, dropped unread
        self.tx = bytearray(tx_size)
        self.tx_view = memoryview(self.tx)
        self.tx_head = 0  # next byte to write
        self.tx_tail = 0  # end of the queued bytes
        self.rx = bytearray(rx_size)
        self.rx_view = memoryview(self.rx)
        self.rx_len = 0
        self.rx_skip = 0  # bytes still to throw away of a packet too big for rx
        self.next_pid = 0
        self.sock = None
        self.poller = None
        self.tcp_up = False
        self.since = 0  # ticks_ms: start() when connecting, the last PINGREQ when up
        self.ping_out = False  # a PINGREQ waits for its PINGRESP

    # -- the caller's calls ---------------------------------------------------------
    def publish(self, topic, payload, retain=False, qos=0):
        # Queue one PUBLISH; False (nothing queued) when not up, when it does not fit in
        # the free part of the buffer, or when too many QoS 1 messages wait for acks:
        # the caller drops it and carries on. payload: str or bytes, or a writer,
        # write(out) calling out.write(str) piece by piece, run twice (to count its
        # bytes, which go first, then into the buffer), so a large payload (Home
        # Assistant's discovery config) is never whole in RAM outside the buffer.
        if self.state != "up" or (qos and len(self.inflight) >= MAX_INFLIGHT):
            return False
        topic = as_bytes(topic)
        if callable(payload):
            counter = _Writer(None, 0)
            payload(counter)
            length = counter.at
        else:
            payload = as_bytes(payload)
            length = len(payload)
        size = 2 + len(topic) + length + (2 if qos else 0)
        first = _PUBLISH | (qos << 1) | (1 if retain else 0)
        if not self._room(1 + varint_len(size) + size):
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
        topic_filter = as_bytes(topic_filter)
        size = 2 + 2 + len(topic_filter) + 1
        if not self._room(1 + varint_len(size) + size):
            return False
        pid = self._pid()
        self._put_header(_SUBSCRIBE, size)
        self._put_u16(pid)
        self._put_str(topic_filter)
        self._put(bytes((qos,)))
        self.inflight[pid] = topic_filter
        self._write_soon()
        return True

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
            if e.args[0] in EAGAIN:
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
                raise Malformed("remaining length over 4 bytes")
        end = i + size
        first = rx[0]
        kind = first & 0xF0
        if end > len(rx):
            if kind != _PUBLISH:
                raise Malformed("packet type %d of %d bytes" % (kind >> 4, size))
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
                raise Malformed("PUBLISH with QoS %d" % qos)
            if size < 2:
                raise Malformed("PUBLISH without a topic")
            tlen = (rx[i] << 8) | rx[i + 1]
            body = i + 2 + tlen + (2 if qos else 0)
            if body > end:
                raise Malformed("PUBLISH topic longer than the packet")
            try:
                topic = str(bytes(view[i + 2:i + 2 + tlen]), "utf-8")
            except UnicodeError:
                raise Malformed("PUBLISH topic not UTF-8")
            payload = bytes(view[body:end])
            if qos:
                if not self._room(4):
                    raise Malformed("no room to acknowledge QoS 1")  # (never: 4 bytes)
                self._put(b"\x40\x02")
                self._put(view[body - 2:body])
        elif kind == _CONNACK:
            if size != 2 or self.state != "connecting":
                raise Malformed("CONNACK")
            code = rx[i + 1]
            if code:
                self._consume(end)
                self._down("broker refused the connection: " + (
                    _REFUSED[code - 1] if code <= len(_REFUSED) else "code %d" % code))
                return False
            self.state = "up"
            self.since = self.ticks.ticks_ms()
        elif self.state != "up":
            raise Malformed("packet type %d before CONNACK" % (kind >> 4))
        elif kind in (_PUBACK, _SUBACK):
            if size != 2 if kind == _PUBACK else size < 3:
                raise Malformed("PUBACK" if kind == _PUBACK else "SUBACK")
            pid = (rx[i] << 8) | rx[i + 1]
            what = self.inflight.pop(pid, None)
            if kind == _SUBACK and what is not None and rx[i + 2] == 0x80:
                self.last_error = "broker refused the subscription to " + str(what, "utf-8")
        elif kind == _PINGRESP:
            if size:
                raise Malformed("PINGRESP")
            self.ping_out = False
            self.pings += 1
        else:
            raise Malformed("unexpected packet type %d" % (kind >> 4))
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
            self._down(os_error(e))

    def _write(self):
        if not self.tcp_up or self.sock is None:
            return
        while self.tx_head < self.tx_tail:
            try:
                # MicroPython's stream write(buf, offset, length): no slice to allocate
                n = self.sock.write(self.tx, self.tx_head,  # type: ignore[call-arg]
                                    self.tx_tail - self.tx_head)
            except OSError as e:
                if e.args[0] in EAGAIN:
                    return
                raise
            if not n:
                return
            self.tx_head += n
        self.tx_head = self.tx_tail = 0

    # -- the end ----------------------------------------------------------------------
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


def as_bytes(s):
    return s.encode() if isinstance(s, str) else s


class _Writer:
    # What a payload writer writes to: into buf from `at` up to `end` (None: counts).
    def __init__(self, buf, at, end=0):
        self.buf = buf
        self.at = at
        self.end = end

    def write(self, text):
        data = as_bytes(text)
        n = len(data)
        if self.buf is not None:
            if self.at + n > self.end:
                raise ValueError("payload longer than counted")
            self.buf[self.at:self.at + n] = data
        self.at += n


def varint_len(n):
    return 1 if n < 128 else 2 if n < 16384 else 3 if n < 2097152 else 4
