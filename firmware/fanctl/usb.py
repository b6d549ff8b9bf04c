# The USB serial console, as the control loop uses it: command lines in, JSON
# lines out, and neither may hold the loop up.
#
# In: input can arrive faster than MicroPython drains it a byte at a time (USB full
# speed carries ~1 MB/s), so LineReader stops at a deadline and takes the rest on
# the next pass.
# Out: on the rp2 port a write to a port that a host holds open but does not read
# waits up to 500 ms per 64-byte chunk for room (shared/tinyusb/mp_usbd_cdc.c), and
# only "room for at least one byte" can be polled. TxQueue therefore keeps lines in
# a bounded queue and writes only as many bytes as the board says fit now; a line
# that does not fit in the queue is dropped whole (telemetry's seq shows the gap).
import io
import json

from fanctl import protocol

TX_QUEUE = 3072  # bytes: a few lines, and the longest reply (hello, about 1 KB) twice over
CHECK_EVERY = 16  # bytes read between two looks at the clock
# ...after at least this many: a whole command line gets in even when the loop is late
# (about 15 ms of byte-wise reading on the RP2040).
AT_LEAST = protocol.MAX_LINE + 2
# Input waits at most this long for a host that is not reading its replies; then it
# is taken again (replies that do not fit are dropped), so a host that writes a
# long burst before it reads never deadlocks with the board, and Ctrl-C gets in.
INPUT_HOLD_MS = 1000
_NL = 10
_CR = 13


def _scratch():
    # MicroPython's json.dump writes bytes into a BytesIO; CPython's writes str.
    stream = io.BytesIO()
    try:
        json.dump(0.5, stream)
    except TypeError:
        return None
    return stream


class _Full(Exception):
    # A line being written (TxQueue.put_written) ran past the room it has.
    pass


class LineReader:
    def __init__(self, board, on_line, on_too_long):
        self.board = board
        self.on_line = on_line  # called with the bytes of each complete line
        self.on_too_long = on_too_long  # called once per line over MAX_LINE
        self.line = bytearray(protocol.MAX_LINE)
        self.length = 0
        self.too_long = False

    def poll(self, deadline, out):
        # Take input until there is none or the board's clock reaches `deadline`
        # (ticks_ms), but at least AT_LEAST bytes, so commands get through even when
        # the loop runs late. While the output queue `out` is over half full (the host
        # is not reading its replies) input waits, up to INPUT_HOLD_MS: every command
        # still gets its reply, and the host's own buffers hold what it sends meanwhile.
        board = self.board
        read_byte = board.read_byte
        budget = AT_LEAST
        while not out.holding_input():
            b = read_byte()
            if b is None:
                return
            if b in (_NL, _CR):
                if self.too_long:
                    self.too_long = False
                    self.on_too_long()
                elif self.length:
                    self.on_line(bytes(memoryview(self.line)[:self.length]))
                self.length = 0
            elif self.length < protocol.MAX_LINE:
                self.line[self.length] = b
                self.length += 1
            else:
                self.too_long = True
                self.length = 0
            budget -= 1
            if budget <= 0:
                if board.ticks_diff(board.ticks_ms(), deadline) >= 0:
                    return
                budget = CHECK_EVERY
        out.pump()


class TxQueue:
    def __init__(self, board, size=TX_QUEUE):
        self.board = board
        self.size = size
        self.buf = bytearray(size)
        self.view = memoryview(self.buf)
        self.head = 0  # next byte to write
        self.tail = 0  # end of the queued bytes
        self.dropped = 0  # lines that found the queue full
        self.held_since = None  # ticks_ms when input began to wait for the host
        self.limit = 0  # where the line put_written is writing must end
        self.scratch = _scratch()  # value()'s stream, None on CPython

    def put(self, text, keep_free=0):
        # keep_free: bytes this line must leave free (lines that may give way to others).
        data = text.encode()
        need = len(data) + 2 + keep_free
        if not self._room(need):
            self.dropped += 1
            return False
        end = self.tail + len(data)
        self.buf[self.tail:end] = data
        self._end_line(end)
        return True

    def put_written(self, writer, keep_free=0):
        # A line written straight into the queue: writer(self) calls self.write(bytes
        # or str) piece by piece (fanctl.protocol.tele's out), so the line is never
        # whole anywhere else. When it does not fit it is run once more after making
        # room, then dropped whole, as put's.
        for again in (False, True):
            start = self.tail
            self.limit = len(self.buf) - 2 - keep_free
            try:
                writer(self)
            except _Full:
                self.tail = start
                if again:
                    self.dropped += 1
                    return False
                self._room(len(self.buf) + 1)  # the host's share written, the rest moved up
                continue
            except Exception:
                self.tail = start  # no half line is left in the queue
                raise
            self._end_line(self.tail)
            return True

    def write(self, data):
        # One piece of the line put_written is writing: bytes (or str).
        if type(data) is str:
            data = data.encode()
        end = self.tail + len(data)
        if end > self.limit:
            raise _Full()
        self.buf[self.tail:end] = data
        self.tail = end

    def value(self, v):
        # One JSON value of that line, as json.dumps writes it, with as little garbage as
        # it can (a line every interval_ms): the constants as they are, an int's digits
        # straight into the buffer, a float's repr or a string through json.dump into a
        # scratch stream (none of its own garbage on MicroPython), then copied across.
        if v is None:
            self.write(b"null")
        elif v is True:
            self.write(b"true")
        elif v is False:
            self.write(b"false")
        elif type(v) is int:
            self._int(v)
        elif self.scratch is None:
            self.write(json.dumps(v))  # CPython: json.dump writes str, not bytes
        else:
            scratch = self.scratch
            scratch.seek(0)
            json.dump(v, scratch)
            end = self.tail + scratch.tell()
            if end > self.limit:
                raise _Full()
            scratch.seek(0)
            scratch.readinto(self.view[self.tail:end])
            self.tail = end

    def _int(self, n):
        if n < 0:
            self.write(b"-")
            n = -n
        buf = self.buf
        start = end = self.tail
        while True:  # the digits, least significant first...
            if end >= self.limit:
                raise _Full()
            buf[end] = 48 + n % 10
            n //= 10
            end += 1
            if not n:
                break
        self.tail = end
        end -= 1
        while start < end:  # ...then turned round
            buf[start], buf[end] = buf[end], buf[start]
            start += 1
            end -= 1

    def _room(self, need):
        # True when `need` more bytes fit after the queued ones, after writing what the
        # host takes now and moving what is left to the front (rare: only when the host
        # is slow).
        if self.tail + need > len(self.buf):
            self.pump()  # make room if the host has been reading
        if self.tail + need > len(self.buf) and self.head:
            left = self.tail - self.head
            self.buf[:left] = bytes(self.view[self.head:self.tail])  # a copy: they overlap
            self.head, self.tail = 0, left
        return self.tail + need <= len(self.buf)

    def _end_line(self, end):
        self.buf[end] = _CR
        self.buf[end + 1] = _NL
        self.tail = end + 2
        self.pump()

    def pump(self):
        # Write what fits now without waiting; the rest goes on the next pass.
        board = self.board
        while self.head < self.tail:
            room = board.usb_room()
            if room <= 0:
                return
            n = min(room, self.tail - self.head)
            written = board.usb_write(self.view[self.head:self.head + n])
            written = n if written is None else written
            self.head += written
            if written < n:
                return
        self.head = self.tail = 0

    def pending(self):
        return self.tail - self.head

    def holding_input(self):
        # True while input should wait for the host to read (see LineReader.poll).
        if self.tail - self.head <= self.size // 2:
            self.held_since = None
            return False
        board = self.board
        now = board.ticks_ms()
        if self.held_since is None:
            self.held_since = now
        return board.ticks_diff(now, self.held_since) < INPUT_HOLD_MS
