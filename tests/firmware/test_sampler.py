# runs on MicroPython too
# The sampler: the oversampled burst, the RP2040-E11 correction, the stuck-ADC check.
from fanctl import thermistor
from fanctl.sampler import Sampler
from fanctl.settings import defaults, merge

WIDE = thermistor.E11_CODES
FULL = 4096


def e11_code(x, extra):
    # A 12-bit ADC whose E11 codes are `extra` LSB wider than the others, the rest
    # squeezed so full scale still lands on 4095 (as picofan.sim.adc models it, written
    # out so it runs on MicroPython): the code for an input x, in ideal LSB.
    u = x * (FULL + len(WIDE) * extra) / FULL
    shift = 0.0
    for w in WIDE:
        if u < w + shift:
            break
        if u < w + shift + 1 + extra:
            return w
        shift += extra
    return min(FULL - 1, max(0, int(u - shift)))


def burst(x, extra):
    # 32 reads of a steady input x with +-2 LSB of dither, as the ADC's own noise gives.
    codes = [e11_code(x + (i - 15.5) / 8, extra) for i in range(32)]
    reads = iter([thermistor.u16(c) for c in codes])
    return lambda: next(reads)


def true_c(x, s):
    ohms = thermistor.ratio_to_ohms(x / FULL, s["r_fixed"])
    return thermistor.ohms_to_c(ohms, s)


def worst_error(lo, hi, chip_extra, s):
    worst = 0.0
    x = lo
    while x < hi:
        sampler = Sampler(burst(x, chip_extra))
        sampler.sample(s)
        worst = max(worst, abs(sampler.temp - true_c(x, s)))
        x += 0.25
    return worst


def test_the_e11_correction_takes_out_the_wide_codes_steps():
    # On a chip whose E11 codes are 9 LSB wider, as the default says. Between the wide
    # codes the readings come back to the truth (the codes squeezed by the wide ones
    # are put back); across the wide codes at 1536 and 2560 (about 14 and 37 degC on
    # the documented divider) the step is gone and what is left is the wide code's own
    # width, inside which every input reads the same (no correction can undo that).
    on = defaults()
    off = merge(on, {"adc_e11_lsb": 0.0})
    assert worst_error(2000, 2100, 9.0, on) < worst_error(2000, 2100, 9.0, off) / 4
    for lo, hi in ((1500, 1600), (2520, 2620)):
        corrected = worst_error(lo, hi, 9.0, on)
        uncorrected = worst_error(lo, hi, 9.0, off)
        assert corrected < uncorrected * 0.75, (lo, corrected, uncorrected)


def test_a_chip_a_little_off_the_default_width_is_still_better_corrected():
    # Chips differ: one whose wide codes are 7 LSB wider still gains from the default 9.
    on = defaults()
    off = merge(on, {"adc_e11_lsb": 0.0})
    assert worst_error(2520, 2620, 7.0, on) < worst_error(2520, 2620, 7.0, off)


def test_without_the_correction_an_ideal_adc_reads_true():
    # adc_e11_lsb 0 is today's plain average: an ADC with no wide codes reads its input.
    off = merge(defaults(), {"adc_e11_lsb": 0.0})
    assert worst_error(2000, 2050, 0.0, off) < 0.02


def test_raw_stays_what_the_adc_read():
    sampler = Sampler(burst(2560.0, 9.0))
    sampler.sample(defaults())
    assert sampler.raw == thermistor.u16(2560)
