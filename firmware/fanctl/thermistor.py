# ADC counts -> divider ratio -> NTC ohms -> degrees C, and back.
# The one home of the conversion math: firmware, simulator, wiring tables and
# host all call these functions. Plain arithmetic, so it runs on CPython and
# on MicroPython's single-precision floats alike.
from math import exp, log, sqrt

FULL_SCALE = 65535  # read_u16() maximum
# RP2040 erratum E11: these 12-bit codes are several LSB wide (large DNL).
E11_CODES = (512, 1536, 2560, 3584)
KELVIN = 273.15

# Fault names reported on the wire (protocol.FAULTS lists them all).
OPEN = "open"
SHORT = "short"
RANGE = "range"

# A ratio this close to a rail means a broken divider, not a temperature:
# 1 % of full scale is an NTC of ~1 MOhm (below -50 C) or ~100 Ohm (above 200 C).
RAIL = 0.01


def u16(code):
    # How MicroPython's read_u16() scales a 12-bit code: top bits repeated below.
    return (code << 4) | (code >> 8)


def ratio(counts):
    return counts / FULL_SCALE


def ratio_to_ohms(r, r_fixed, ntc_to_3v3=True):
    # NTC on top (3V3 side): V/Vref = Rf / (Rntc + Rf); on the bottom: Rntc / (Rntc + Rf).
    if ntc_to_3v3:
        return r_fixed * (1.0 - r) / r
    return r_fixed * r / (1.0 - r)


def ohms_to_ratio(ohms, r_fixed, ntc_to_3v3=True):
    if ntc_to_3v3:
        return r_fixed / (ohms + r_fixed)
    return ohms / (ohms + r_fixed)


def beta_to_c(ohms, r0, t0_c, beta):
    return 1.0 / (1.0 / (t0_c + KELVIN) + log(ohms / r0) / beta) - KELVIN


def c_to_beta_ohms(t_c, r0, t0_c, beta):
    return r0 * exp(beta * (1.0 / (t_c + KELVIN) - 1.0 / (t0_c + KELVIN)))


def steinhart_to_c(ohms, a, b, c):
    ln_r = log(ohms)
    return 1.0 / (a + b * ln_r + c * ln_r * ln_r * ln_r) - KELVIN


def c_to_steinhart_ohms(t_c, a, b, c):
    # Closed-form inverse of Steinhart-Hart (solves the cubic in ln R).
    if c == 0:
        return exp((1.0 / (t_c + KELVIN) - a) / b)
    y = (a - 1.0 / (t_c + KELVIN)) / c
    x = sqrt((b / (3.0 * c)) ** 3 + y * y / 4.0)
    return exp((x - y / 2.0) ** (1.0 / 3.0) - (x + y / 2.0) ** (1.0 / 3.0))


def steinhart_fit(points):
    # A, B, C through three (ohms, degrees C) points.
    (r1, t1), (r2, t2), (r3, t3) = points
    l1, l2, l3 = log(r1), log(r2), log(r3)
    y1, y2, y3 = 1 / (t1 + KELVIN), 1 / (t2 + KELVIN), 1 / (t3 + KELVIN)
    g2 = (y2 - y1) / (l2 - l1)
    g3 = (y3 - y1) / (l3 - l1)
    c = (g3 - g2) / (l3 - l2) / (l1 + l2 + l3)
    b = g2 - c * (l1 * l1 + l1 * l2 + l2 * l2)
    a = y1 - (b + l1 * l1 * c) * l1
    return a, b, c


def ohms_to_c(ohms, s):
    # s: settings dict (see settings.py) naming the model and its constants.
    if s["model"] == "steinhart":
        return steinhart_to_c(ohms, s["sh_a"], s["sh_b"], s["sh_c"])
    return beta_to_c(ohms, s["r0"], s["t0"], s["beta"])


def c_to_ohms(t_c, s):
    if s["model"] == "steinhart":
        return c_to_steinhart_ohms(t_c, s["sh_a"], s["sh_b"], s["sh_c"])
    return c_to_beta_ohms(t_c, s["r0"], s["t0"], s["beta"])


def c_to_counts(t_c, s):
    # What an ideal ADC would read at t_c: for tables and the simulator.
    r = ohms_to_ratio(c_to_ohms(t_c, s), s["r_fixed"], s["divider"] == "ntc_to_3v3")
    return round(r * FULL_SCALE)


def measure(counts, s):
    # -> (degrees C or None, ohms or None, fault name or None)
    r = counts / FULL_SCALE
    top = s["divider"] == "ntc_to_3v3"
    if r <= RAIL:
        return None, None, OPEN if top else SHORT
    if r >= 1.0 - RAIL:
        return None, None, SHORT if top else OPEN
    ohms = ratio_to_ohms(r, s["r_fixed"], top)
    t = ohms_to_c(ohms, s)
    if not s["t_min"] <= t <= s["t_max"]:
        return None, ohms, RANGE
    return t, ohms, None
