# DNS for the board's MQTT client, never waiting: the board has no resolver that does
# not block (getaddrinfo waits while DNS answers), so a broker given by name is looked
# up here, one UDP query at a time. Also the socket errors both network clients share.
import errno
import socket
import time

# a non-blocking socket with nothing to read, or no room to write (EWOULDBLOCK where
# the port has it)
EAGAIN = (errno.EAGAIN, getattr(errno, "EWOULDBLOCK", errno.EAGAIN))


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
        self.ticks = ticks or time  # ticks_ms/ticks_diff: the board's, or time's
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
            if e.args[0] not in EAGAIN:
                self._fail("DNS: " + os_error(e))
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


def os_error(e):
    code = e.args[0] if e.args else 0
    name = errno.errorcode.get(code) if isinstance(code, int) else None
    return "network error: " + (name or str(e))
