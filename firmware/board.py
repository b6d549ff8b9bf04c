# The Pico W / Pico 2 W edge: the only module that imports `machine`. Everything else in
# fanctl/ runs unchanged on CPython and in the virtual Pico.
import os
import random
import select
import sys
import time

import machine

from fanctl import chips, pins
from fanctl.fan import TACH_MASK

# The watchdog's CTRL register (at its block's base) through its atomic-clear alias
# (+ 0x3000), and its ENABLE bit: clearing it pauses the countdown, as pico-sdk's
# watchdog_disable() does. machine.WDT has no stop(), and the REPL never feeds it.
_CLR_ALIAS = 0x3000
_WATCHDOG_ENABLE = 1 << 30


def find_chip():
    # This board's chip (a fanctl.chips entry), or None after one line saying so:
    # the firmware writes chip registers, and another chip's are not these.
    machine_name = os.uname().machine
    chip = chips.find(machine_name)
    if chip is None:
        print("picofan: unknown chip (%s); picofan runs on %s only: not started"
              % (machine_name, " or ".join(c[0] for c in chips.CHIPS)))
    return chip


class PicoBoard:
    def __init__(self, chip):
        self.name = chip[5]
        self._watchdog_ctrl_clr = chip[1] + _CLR_ALIAS
        # Fan first, and on: until the first good reading the safe state holds.
        self._fan = machine.Pin(pins.FAN_GPIO, machine.Pin.OUT, value=1)
        self._pwm = None  # machine.PWM on the fan pin while the output is PWM
        # The tach: a hard interrupt per falling edge (a PC fan at 3000 rpm gives
        # 100 a second). The bound method is made once here: an interrupt may not
        # allocate, and the count stays a small int.
        self._tach_count = 0
        self._tach = machine.Pin(pins.TACH_GPIO, machine.Pin.IN, machine.Pin.PULL_UP)
        self._tach.irq(self._on_tach, machine.Pin.IRQ_FALLING, hard=True)
        self._led = machine.Pin(pins.LED, machine.Pin.OUT, value=0)
        self._led_on = False
        self.read_u16 = machine.ADC(pins.ADC_GPIO).read_u16
        # USB stdin on the RP2040 reads reliably a byte at a time after poll.
        self._stdin = sys.stdin.buffer
        self._stdout = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self._out_poll = select.poll()
        self._out_poll.register(sys.stdout, select.POLLOUT)
        self._wdt = None
        self.ticks_ms = time.ticks_ms
        self.ticks_add = time.ticks_add
        self.ticks_diff = time.ticks_diff

    def fan(self, on):
        if self._pwm is not None:
            self._pwm.deinit()
            self._pwm = None
            self._fan.init(machine.Pin.OUT)  # from the PWM slice back to a plain output
        self._fan.value(1 if on else 0)

    def fan_pwm(self, level):
        if self._pwm is None:
            self._pwm = machine.PWM(self._fan, freq=pins.PWM_HZ, duty_u16=level)
        else:
            self._pwm.duty_u16(level)

    def _on_tach(self, _pin):
        self._tach_count = (self._tach_count + 1) & TACH_MASK

    def tach_count(self):
        return self._tach_count

    def led(self, on):
        # The LED sits on the wireless chip (an SPI transfer): write on change only.
        if on != self._led_on:
            self._led_on = on
            self._led.value(1 if on else 0)

    def wait(self, ms):
        return bool(self._poll.poll(ms))

    def read_byte(self):
        if self._poll.poll(0):
            b = self._stdin.read(1)
            if b:
                return b[0]
        return None

    def usb_room(self):
        # The rp2 port's poll says only "room for at least one byte" while a host holds
        # the port open (always writable when none does: output is then dropped), and
        # a bigger write than the room waits up to 500 ms: one byte at a time never does.
        return 1 if self._out_poll.poll(0) else 0

    def usb_write(self, buf):
        return self._stdout.write(buf)

    def watchdog_start(self, ms):
        self._wdt = machine.WDT(timeout=ms)

    def watchdog_feed(self):
        if self._wdt is not None:
            self._wdt.feed()

    def watchdog_stop(self):
        machine.mem32[self._watchdog_ctrl_clr] = _WATCHDOG_ENABLE
        self._wdt = None

    def random32(self):
        # The rp2 port seeds `random` from the ring oscillator at boot: fresh every boot.
        return random.getrandbits(32)

    def unique_id(self):
        # The flash chip's 64-bit unique id: what tells two Picos apart on the host.
        return "".join("%02x" % b for b in machine.unique_id())

    def wlan(self):
        # The station interface, for fanctl.wifi.WifiLink. `network` is imported here,
        # only when there is a wifi.json: without one the Wi-Fi chip stays unpowered.
        import network

        return network.WLAN(network.STA_IF)

    def reset_cause(self):
        return "watchdog" if machine.reset_cause() == machine.WDT_RESET else "power"
