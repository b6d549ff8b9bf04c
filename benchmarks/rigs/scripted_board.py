# The scripted board: the firmware's board edge on CPython and MicroPython alike (the
# pins, the clock and the radio are the only stand-ins), for the tests and the memory
# benchmarks; counts_for and run_ms drive it.
import json

from fanctl import thermistor
from fanctl.fan import TACH_MASK, TICKS_PERIOD
from fanctl.settings import defaults

_HALF = TICKS_PERIOD // 2
_DITHER = (0, 16, 0, -16)


def counts_for(t_c, s=None):
    # What an ideal ADC reads at t_c, found through the firmware's own conversion
    # (counts -> degrees C) by bisection, so it runs on MicroPython, where the host's
    # inverse (picofan.spec.curve) does not.
    s = s or defaults()
    top = s["divider"] == "ntc_to_3v3"
    lo, hi = 1e-7, 1.0 - 1e-7  # divider ratios; the temperature rises with it when top

    def temp(ratio):
        return thermistor.ohms_to_c(thermistor.ratio_to_ohms(ratio, s["r_fixed"], top), s)

    for _ in range(60):
        mid = (lo + hi) / 2
        if (temp(mid) < t_c) == top:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2 * thermistor.FULL_SCALE)


def radio(clock, ssid="greenhouse", password="correct horse", join_ms=1500):
    # A Pico W's station interface and the access point in range, scripted on the
    # scripted board's clock: the one radio double (host/picofan/sim/radio.py).
    from picofan.sim.radio import WLAN, AccessPoint  # (with Wi-Fi on only)

    return WLAN(clock, AccessPoint(ssid, password), join_ms)


def run_ms(app, ms):
    # Run the app's loop until `ms` of the scripted board's time have passed.
    board = app.board
    start = board.now
    while board.ticks_diff(board.now, start) < ms:
        app.tick()


class ScriptedBoard:
    name = "scripted board"

    def __init__(self, counts=32768, start_ms=0, dither=True):
        # counts: an int, or a function of the board's ms clock.
        # dither: like a real ADC, never the same read twice in a row (+0, +16, +0, -16
        # in turn: one 12-bit step, averaging out exactly over any 4 reads); False
        # is an ADC stuck on one value.
        self.counts = counts
        self.dither = dither
        self.reads = 0
        self.now = start_ms % TICKS_PERIOD
        self.fan_on = None
        self.fan_log = []  # (ms, on) at each change
        self.pwm_level = None
        self.pwm_log = []  # (ms, level) at each change
        # The tach: edges counted since boot, an int or a function of the ms clock.
        self.tach = 0
        self.led_on = False
        self.inbox = bytearray()
        self.out = []  # whole lines written, without their line end
        self.partial = bytearray()  # bytes of a line not yet ended
        self.room = 1 << 20  # what usb_room() reports: a host that reads everything
        self.watchdog = None  # its timeout while running
        self.watchdog_feeds = 0
        self.cause = "power"
        self.radio = None  # the Wi-Fi chip, made by wlan() on first use

    # machine.ADC / Pin stand-ins
    def read_u16(self):
        c = self.counts
        v = c(self.now) if callable(c) else c
        if self.dither:
            self.reads += 1
            v = min(65535, max(0, v + _DITHER[self.reads % 4]))
        return v

    def fan(self, on):
        if on != self.fan_on:
            self.fan_log.append((self.now, on))
        self.fan_on = on

    def fan_pwm(self, level):
        # GPIO2 as PWM: the pin's level 0..65535 (fan_on None: not a digital output)
        if level != self.pwm_level:
            self.pwm_log.append((self.now, level))
        self.pwm_level = level
        self.fan_on = None

    def tach_count(self):
        t = self.tach
        return (t(self.now) if callable(t) else t) & TACH_MASK

    def led(self, on):
        self.led_on = on

    # time: MicroPython's wrapping ticks, on a clock that moves only in wait()
    def ticks_ms(self):
        return self.now

    def ticks_add(self, t, d):
        return (t + d) % TICKS_PERIOD

    def ticks_diff(self, a, b):
        return (a - b + _HALF) % TICKS_PERIOD - _HALF

    def wait(self, ms):
        self.now = (self.now + ms) % TICKS_PERIOD
        return bool(self.inbox)

    # serial
    def send(self, data):
        self.inbox.extend(data)

    def read_byte(self):
        if not self.inbox:
            return None
        b = self.inbox[0]
        self.inbox = self.inbox[1:]
        return b

    def usb_room(self):
        return self.room

    def usb_write(self, buf):
        n = min(len(buf), self.room)
        self.partial.extend(buf[:n])
        while b"\n" in self.partial:
            i = self.partial.index(b"\n")
            self.out.append(bytes(self.partial[:i]).decode().rstrip("\r"))
            self.partial = self.partial[i + 1:]
        return n

    def watchdog_start(self, ms):
        self.watchdog = ms

    def watchdog_feed(self):
        self.watchdog_feeds += 1

    def watchdog_stop(self):
        self.watchdog = None

    def reset_cause(self):
        return self.cause

    def wlan(self):
        # A Pico W's station interface: the scripted radio and access point (one per
        # board, made on first use, as network.WLAN is only imported with Wi-Fi on).
        if self.radio is None:
            self.radio = radio(self)
        return self.radio

    def unique_id(self):
        return "e6614103e7452d2f"  # a Pico W's, as machine.unique_id() gives it, in hex

    def random32(self):
        self.boots = getattr(self, "boots", 0) + 1
        return 0x5EED0000 + self.boots

    def messages(self, kind=None):
        msgs = [json.loads(line) for line in self.out]
        return [m for m in msgs if kind is None or m["type"] == kind]

    def take(self, kind=None):
        # Messages since the last take.
        msgs = self.messages(kind)
        self.out = []
        return msgs
