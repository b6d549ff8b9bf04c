# The Pico W edge: the only module that imports `machine`. Everything else in
# fanctl/ runs unchanged on CPython and in the virtual Pico.
import random
import select
import sys
import time

import machine

from fanctl import pins


class PicoBoard:
    name = "Raspberry Pi Pico W"

    def __init__(self):
        # Fan first, and on: until the first good reading the safe state holds.
        self._fan = machine.Pin(pins.FAN_GPIO, machine.Pin.OUT, value=1)
        self._led = machine.Pin(pins.LED, machine.Pin.OUT, value=0)
        self._led_on = False
        self.read_u16 = machine.ADC(pins.ADC_GPIO).read_u16
        # USB stdin on the RP2040 reads reliably a byte at a time after poll.
        self._stdin = sys.stdin.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self.ticks_ms = time.ticks_ms
        self.ticks_add = time.ticks_add
        self.ticks_diff = time.ticks_diff

    def fan(self, on):
        self._fan.value(1 if on else 0)

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

    def write_line(self, text):
        print(text)

    def random32(self):
        # The rp2 port seeds `random` from the ring oscillator at boot: fresh every boot.
        return random.getrandbits(32)
