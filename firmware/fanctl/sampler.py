# Reading the thermistor: the average of an oversampled burst of ADC reads, converted,
# with a check for an ADC that has stopped converting.
from fanctl import const, thermistor

# A stuck ADC: this many identical reads in a row. The RP2040's ADC has ~1.2 LSB of
# noise, so even a steady input changes code within a few reads; 128 identical ones
# do not happen (4 samples at the default oversample of 32, 12.8 s at 1).
STUCK_READS = const(128)
# ...except on the RP2040-E11 wide codes (as read_u16 values):
# an input inside one of those legitimately reads the same code for minutes.
WIDE_CODES = tuple(thermistor.u16(c) for c in thermistor.E11_CODES)
STUCK = "stuck"  # the fault name on the wire


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
        last = self.last_read
        repeats = self.repeats
        for _ in range(count):
            value = read()
            total += value
            if value == last:
                repeats += 1
            else:
                last = value
                repeats = 0
        self.last_read = last
        self.repeats = min(repeats, STUCK_READS)
        self.raw = (total + count // 2) // count
        self.temp, self.ohms, self.fault = thermistor.measure(self.raw, settings)
        if self.fault is None and self.repeats >= STUCK_READS and last not in WIDE_CODES:
            self.temp = self.ohms = None
            self.fault = STUCK
