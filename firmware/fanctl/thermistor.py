# ADC counts -> divider ratio -> NTC ohms -> degrees C: the board's way, and the one
# home of that math (the simulator, wiring tables and host call it too; the inverse,
# degrees C -> counts, is the host's: picofan.spec.curve). Plain arithmetic, so it runs
# on CPython and on MicroPython's single-precision floats alike.
from math import log

from fanctl import const
from fanctl.faults import OPEN, RANGE, SHORT

FULL_SCALE = const(65535)  # read_u16() maximum
# RP2040 erratum E11: these 12-bit codes are several LSB wide (large DNL).
E11_CODES = (512, 1536, 2560, 3584)
KELVIN = 273.15

# A ratio this close to a rail means a broken divider, not a temperature:
# 1 % of full scale is an NTC of ~1 MOhm (below -50 C) or ~100 Ohm (above 200 C).
RAIL = 0.01


def u16(code):
    # How MicroPython's read_u16() scales a 12-bit code: top bits repeated below.
    return (code << 4) | (code >> 8)


def ratio_to_ohms(ratio, r_fixed, ntc_to_3v3=True):
    # NTC on top (3V3 side): V/Vref = Rf / (Rntc + Rf); on the bottom: Rntc / (Rntc + Rf).
    if ntc_to_3v3:
        return r_fixed * (1.0 - ratio) / ratio
    return r_fixed * ratio / (1.0 - ratio)


def beta_to_c(ohms, r0, t0_c, beta):
    return 1.0 / (1.0 / (t0_c + KELVIN) + log(ohms / r0) / beta) - KELVIN


def steinhart_to_c(ohms, a, b, c):
    ln_r = log(ohms)
    return 1.0 / (a + b * ln_r + c * ln_r * ln_r * ln_r) - KELVIN


def ohms_to_c(ohms, settings):
    # settings: the settings dict (settings.py) naming the model and its constants.
    if settings["model"] == "steinhart":
        return steinhart_to_c(ohms, settings["sh_a"], settings["sh_b"], settings["sh_c"])
    return beta_to_c(ohms, settings["r0"], settings["t0"], settings["beta"])


def measure(counts, settings):
    # -> (degrees C or None, ohms or None, fault name or None)
    ratio = counts / FULL_SCALE
    top = settings["divider"] == "ntc_to_3v3"
    if ratio <= RAIL:
        return None, None, OPEN if top else SHORT
    if ratio >= 1.0 - RAIL:
        return None, None, SHORT if top else OPEN
    ohms = ratio_to_ohms(ratio, settings["r_fixed"], top)
    temp = ohms_to_c(ohms, settings)
    if not settings["t_min"] <= temp <= settings["t_max"]:
        return None, ohms, RANGE
    return temp, ohms, None
