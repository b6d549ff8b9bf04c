# Reading the thermistor: the average of an oversampled burst of ADC reads, converted,
# with a check for an ADC that has stopped converting.
from fanctl import const, thermistor
from fanctl.faults import STUCK

# A stuck ADC: this many identical reads in a row. The RP2040's ADC has ~1.2 LSB of
# noise, so even a steady input changes code within a few reads; 128 identical ones
# do not happen (4 samples at the default oversample of 32, 12.8 s at 1).
STUCK_READS = const(128)
# ...except on the RP2040-E11 wide codes (as read_u16 values):
# an input inside one of those legitimately reads the same code for minutes.
WIDE_CODES = tuple(thermistor.u16(c) for c in thermistor.E11_CODES)
_U16_PER_LSB = thermistor.FULL_SCALE / 4095


def e11_corrected(total, half_steps, count, extra_lsb):
    # -> the average of `count` reads (summing to `total`) as an ADC without the E11 wide
    # codes would give it, 0..65535. Every wide code under a read pushed it extra_lsb
    # down; full scale stays full scale (the other codes are that much narrower).
    wide = extra_lsb * _U16_PER_LSB
    return (total + wide * half_steps / 2) / count * (
        thermistor.FULL_SCALE / (thermistor.FULL_SCALE + len(thermistor.E11_CODES) * wide))


class Sampler:
    def __init__(self, read_u16):
        self.read_u16 = read_u16
        self.last_read = -1
        self.repeats = 0  # identical reads in a row, up to STUCK_READS
        self.raw = 0  # the last sample: averaged counts,
        self.temp = None  # degrees C or None,
        self.ohms = None  # thermistor ohms or None,
        self.fault = None  # and a fault name or None

    def sample(self, settings):
        count = settings["oversample"]
        read = self.read_u16
        total = 0
        half_steps = 0  # E11: half widths of wide codes under the reads, summed
        last = self.last_read
        repeats = self.repeats
        for _ in range(count):
            value = read()
            total += value
            # The 12-bit code's wide codes at or under it (1024 apart from 512), counted
            # twice; a read of a wide code itself sits half-way through its width.
            code = value >> 4
            half_steps += ((code + 512) >> 10) * 2 - ((code & 1023) == 512)
            if value == last:
                repeats += 1
            else:
                last = value
                repeats = 0
        self.last_read = last
        self.repeats = min(repeats, STUCK_READS)
        self.raw = (total + count // 2) // count
        self.temp, self.ohms, self.fault = thermistor.measure(
            e11_corrected(total, half_steps, count, settings["adc_e11_lsb"]), settings)
        if self.fault is None and self.repeats >= STUCK_READS and last not in WIDE_CODES:
            self.temp = self.ohms = None
            self.fault = STUCK
