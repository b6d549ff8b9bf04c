# The virtual Pico's board edge, on MicroPython's unix port: what firmware/board.py
# is on the Pico W. The firmware (fanctl) runs unchanged on top of it; the pins, the
# ADC, the watchdog, the USB port's transmit side and the clock are served by the
# simulator (host/picofan/sim/chip_runner.py) over two pipes, fd 3 (requests) and fd 4
# (replies), one text line each. Serial input is this process's real stdin, polled
# and read a byte at a time exactly as board.py does on the Pico.
import select
import sys
import time

from fanctl.fan import TICKS_PERIOD  # ticks_ms() wraps here on the rp2 port

_HALF = TICKS_PERIOD // 2
ADC_BATCH = 32  # ADC reads fetched per request (one sample at the default oversample)


class UnixPortBoard:
    name = "virtual Pico W"

    def __init__(self):
        self._req = open("/dev/fd/3", "wb")  # noqa: SIM115 (open for the board's life)
        self._rep = open("/dev/fd/4", "rb")  # noqa: SIM115
        self._stdin = sys.stdin.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self._id = 0
        self._codes = []
        self._room = 0
        self._fan = None
        self._led = None
        self._wlan = None
        # The board's clock: the simulator's ms at the last reply, plus the time this
        # process has run since (its compute time is charged, unless speed is 0).
        self._v = 0
        self._r = time.ticks_ms()
        self._charge = False
        cause, rand, charge, uid = self._ask("B")
        self._cause = cause.decode()
        self._rand = int(rand)
        self._charge = charge == b"1"
        self._uid = uid.decode()

    # -- the link to the simulator ---------------------------------------------------
    # Without the simulator there is no board: SystemExit, which the firmware's
    # fail-safe (it catches Exception) lets through, instead of a loop spinning on a
    # dead pipe for ever.
    def _write(self, data):
        try:
            self._req.write(data)
        except OSError:
            raise SystemExit("the simulator went away") from None

    def _tell(self, text):
        self._write(("%s %d\n" % (text, self.ticks_ms())).encode())

    def _ask(self, text, payload=b""):
        self._id += 1
        tag = b"%d" % self._id
        self._write(("%d %s %d\n" % (self._id, text, self.ticks_ms())).encode() + payload)
        while True:
            words = self._rep.readline().split()
            if not words:
                raise SystemExit("the simulator went away") from None
            # A reply to an earlier request that Ctrl-C interrupted: skip it.
            if words[0] == tag:
                break
        self._v = int(words[1])
        self._r = time.ticks_ms()
        return words[2:]

    # -- machine.ADC(26).read_u16() ------------------------------------------------------
    def read_u16(self):
        if not self._codes:
            self._codes = [int(c) for c in self._ask("A %d" % ADC_BATCH)]
            self._codes.reverse()
        return self._codes.pop()

    # -- machine.Pin(2), Pin("LED") --------------------------------------------------------
    def fan(self, on):
        on = -1 if on else -2  # apart from any PWM level
        if on != self._fan:
            self._fan = on
            self._tell("F %d" % (on == -1))

    def fan_pwm(self, level):
        if level != self._fan:
            self._fan = level
            self._tell("P %d" % level)

    # -- the tach input (GPIO3): edges counted since boot -----------------------------------
    def tach_count(self):
        return int(self._ask("T")[0])

    def led(self, on):
        on = 1 if on else 0
        if on != self._led:
            self._led = on
            self._tell("L %d" % on)

    # -- time.ticks_* (the rp2 port's 2^30 wrap) -------------------------------------------
    def ticks_ms(self):
        if self._charge:
            return (self._v + time.ticks_diff(time.ticks_ms(), self._r)) % TICKS_PERIOD
        return self._v % TICKS_PERIOD

    def ticks_add(self, t, d):
        return (t + d) % TICKS_PERIOD

    def ticks_diff(self, a, b):
        return (a - b + _HALF) % TICKS_PERIOD - _HALF

    def wait(self, ms):
        self._codes = []  # time moves: the next reads are new conversions
        return self._ask("W %d" % ms)[0] == b"1"

    # -- USB serial ---------------------------------------------------------------------------
    def read_byte(self):
        if self._poll.poll(0):
            b = self._stdin.read(1)
            if b:
                return b[0]
        return None

    def usb_room(self):
        if self._room <= 0:
            self._room = int(self._ask("R")[0])
        return self._room

    def usb_write(self, buf):
        words = self._ask("O %d" % len(buf), bytes(buf))
        self._room = int(words[1])
        return int(words[0])

    # -- machine.WDT, and its stop through the CTRL register ---------------------------------
    def watchdog_start(self, ms):
        self._tell("D %d" % ms)

    def watchdog_feed(self):
        self._tell("K")

    def watchdog_stop(self):
        self._tell("S")

    # -- network.WLAN(network.STA_IF): the radio, whose link the simulator controls ----------
    def wlan(self):
        if self._wlan is None:
            self._wlan = RemoteWLAN(self)
        return self._wlan

    def random32(self):
        return self._rand

    def reset_cause(self):
        return self._cause

    def unique_id(self):
        return self._uid


class RemoteWLAN:
    # network.WLAN(network.STA_IF) as the firmware calls it: each call goes over the
    # request pipe to the radio double in the simulator (host/picofan/sim/radio.py,
    # served by sim/wlan.py), where the world decides the link, and comes back with
    # its result or its OSError. The SSID and password stay in this process.
    def __init__(self, board):
        self._board = board

    def _call(self, text):
        words = self._board._ask("N " + text)
        if words[0] != b"1":
            raise OSError(b" ".join(words[1:]).decode())
        return words[1:]

    def active(self, on=None):
        if on is None:
            return self._call("a")[0] == b"1"
        self._call("a %d" % bool(on))
        return None

    def config(self, pm=None):
        if pm is not None:
            self._call("p %d" % pm)

    def connect(self, ssid, key):
        self._call("c")

    def disconnect(self):
        self._call("d")

    def status(self, what=None):
        if what is None:
            return int(self._call("s")[0])
        if what == "rssi":
            return int(self._call("r")[0])
        raise ValueError("unknown status param")

    def isconnected(self):
        return self._call("i")[0] == b"1"

    def ifconfig(self):
        return tuple(w.decode() for w in self._call("f"))
