# Settings: the one table of names, defaults and limits; validation; atomic
# load/save. A settings value is a plain dict so it goes to JSON as is.
import json
import os

from fanctl import const, thermistor
from fanctl.protocol import BadCommand

# (name, default, low, high, unit) for numbers: an int default means whole numbers
# only; unit "" for a plain number. (name, default, choices) for words; (name, default,
# longest) for a free text.
_C = "\u00b0C"
_OHM = "\u03a9"
SPEC = (
    ("setpoint", 30.0, -40.0, 125.0, _C),  # degC, the temperature to hold
    ("hysteresis", 2.0, 0.1, 20.0, _C),  # degC, width of the band around the setpoint
    ("mode", "auto", ("auto", "on", "off")),
    ("min_on_ms", 5000, 0, 600000, "ms"),  # anti short-cycling
    ("min_off_ms", 5000, 0, 600000, "ms"),
    # The fan output on GPIO2: "switch" drives it on/off (a transistor powering the fan,
    # or an LED); "pwm" gives a 4-wire fan's PWM line 25 kHz (docs/hardware.md).
    ("output", "switch", ("switch", "pwm")),
    # The documented 4-wire stage (an NPN or N-MOSFET pulling the fan's PWM line low)
    # inverts: pin high = fan slow. "off" for a fan line driven straight.
    ("pwm_invert", "on", ("on", "off")),
    # How auto mode picks the fan's duty: on/off around the setpoint, a linear curve
    # between two temperatures, or PID on the setpoint (curve and pid need output pwm).
    ("control", "hysteresis", ("hysteresis", "curve", "pid")),
    ("curve_low", 25.0, -40.0, 125.0, _C),  # degC: curve demand 0 % here...
    ("curve_high", 40.0, -40.0, 125.0, _C),  # ...rising linearly to 100 % here
    # PID on the temperature. Sign: the duty RISES while the temperature is ABOVE the
    # setpoint (error = temperature - setpoint), so every gain is positive.
    ("pid_kp", 100.0, 0.0, 1000.0, "%/" + _C),  # % duty per degC of error
    # % duty per degC-second of accumulated error
    ("pid_ki", 2.0, 0.0, 100.0, "%/(" + _C + "\u00b7s)"),
    ("pid_kd", 0.0, 0.0, 10000.0, "%\u00b7s/" + _C),  # % duty per degC/s the temperature is rising
    # The fan's limits (percent duty, output pwm): a demand under off_below stops the
    # fan rather than leave it stalling; otherwise at least min_duty, at most max_duty.
    ("min_duty", 20.0, 0.0, 100.0, "%"),
    ("max_duty", 100.0, 1.0, 100.0, "%"),
    ("off_below", 10.0, 0.0, 100.0, "%"),
    ("manual_duty", 100.0, 0.0, 100.0, "%"),  # % the fan runs at in mode "on"
    # Full power this long when the fan starts from stop or jumps up more than 50 points:
    # a fan's start duty is above its run duty.
    ("kick_start_ms", 500, 0, 10000, "ms"),
    # The tach wire (GPIO3): "off" when there is none (no rpm, no stall check).
    ("tach", "off", ("off", "on")),
    ("tach_ppr", 2, 1, 8, ""),  # tach pulses per revolution (2 on PC fans)
    ("stall_ms", 2000, 500, 60000, "ms"),  # driven but no tach pulse this long: the stall fault
    ("interval_ms", 1000, 20, 60000, "ms"),  # telemetry period (20 ms: 50 lines a second)
    ("sample_ms", 100, 10, 10000, "ms"),  # control period
    ("oversample", 32, 1, 256, ""),  # ADC reads averaged per sample
    # RP2040 erratum E11: codes 512, 1536, 2560 and 3584 are this many LSB wider than the
    # rest (about 9 measured; chips differ by a few). Each read is moved to the middle of
    # the input its code stands for before averaging; 0: the plain average.
    ("adc_e11_lsb", 9.0, 0.0, 16.0, "LSB"),
    ("divider", "ntc_to_3v3", ("ntc_to_3v3", "ntc_to_gnd")),
    ("r_fixed", 10000.0, 100.0, 1000000.0, _OHM),  # ohms
    ("model", "beta", ("beta", "steinhart")),
    ("r0", 10000.0, 100.0, 1000000.0, _OHM),  # ohms at t0
    ("t0", 25.0, -50.0, 150.0, _C),  # degC
    ("beta", 3950.0, 1000.0, 10000.0, "K"),  # K
    # Steinhart-Hart; the defaults are the Beta curve above (A = 1/T0 - ln(R0)/B,
    # B = 1/B, C = 0): put your part's datasheet fit here (picofan.spec.curve.steinhart_fit).
    ("sh_a", 0.001022285, -0.01, 0.01, ""),
    ("sh_b", 0.0002531646, -0.01, 0.01, ""),
    ("sh_c", 0.0, -0.0001, 0.0001, ""),
    ("t_min", -40.0, -55.0, 200.0, _C),  # degC, plausible range of the sensor
    ("t_max", 125.0, -55.0, 200.0, _C),
    # The hardware watchdog resets the board if the loop stops for this long; 0: off.
    # The RP2040's allows at most 8388 ms; the loop feeds it every sample.
    ("watchdog_ms", 8000, 0, 8300, "ms"),
    # What people call this board (on the host, in Home Assistant); "": unnamed.
    ("name", "", 24),
)
CURVE_POINTS = const(33)  # divider ratios at which a new conversion curve is checked

_ROW = {row[0]: row for row in SPEC}


def defaults():
    return {row[0]: row[1] for row in SPEC}


class Invalid(BadCommand):
    # A setting refused: .code ("unknown_field", "type" or "range"), .msg, and .id
    # (None here; a refusal in reply to a command carries the command's id).
    pass


def _number(value):
    # bool is an int in Python: refuse it; NaN fails value == value, infinities the bound.
    return type(value) in (int, float) and value == value and -1e30 < value < 1e30


def _plain_text(text):
    # ASCII letters, digits, space and -_. only: safe in a file name, an MQTT topic's
    # payload, a terminal and a Home Assistant device name alike.
    for c in text:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in " -_."):
            return False
    return True


def check_value(name, value):
    row = _ROW.get(name)
    if row is None:
        raise Invalid("unknown_field", "unknown setting '%s'" % name)
    if len(row) == 3:
        allowed = row[2]  # the longest text, or the words
        if isinstance(allowed, int):
            if type(value) is not str or len(value) > allowed or not _plain_text(value):
                raise Invalid("type", "%s must be up to %d letters, digits, spaces or -_."
                              % (name, allowed))
        elif value not in allowed or type(value) is not str:
            raise Invalid("type", "%s must be one of %s" % (name, "/".join(allowed)))
        return value
    default, lo, hi = row[1], row[2], row[3]
    if not _number(value) or (type(default) is int and type(value) is not int):
        kind = "a whole number" if type(default) is int else "a number"
        raise Invalid("type", "%s must be %s" % (name, kind))
    if not lo <= value <= hi:
        raise Invalid("range", "%s must be between %s and %s" % (name, lo, hi))
    return value if type(default) is int else float(value)


def merge(current, changes):
    # A new settings dict with changes applied, or Invalid: all or nothing.
    new = dict(current)
    for name in changes:
        new[name] = check_value(name, changes[name])
    if new["interval_ms"] % new["sample_ms"]:
        # Telemetry goes out with a fresh sample, so its period is a whole number of samples.
        raise Invalid("range",
                      "interval_ms must be a multiple of sample_ms (%d)" % new["sample_ms"])
    if new["t_min"] >= new["t_max"]:
        raise Invalid("range", "t_min must be below t_max")
    half = new["hysteresis"] / 2
    if not new["t_min"] <= new["setpoint"] - half or not new["setpoint"] + half <= new["t_max"]:
        raise Invalid(
            "range",
            "setpoint +/- hysteresis/2 must lie inside the sensor range %s..%s"
            % (new["t_min"], new["t_max"]),
        )
    if not new["off_below"] <= new["min_duty"] <= new["max_duty"]:
        raise Invalid("range", "the fan's limits need off_below <= min_duty <= max_duty")
    if new["curve_low"] >= new["curve_high"]:
        raise Invalid("range", "curve_low must be below curve_high")
    if new["control"] != "hysteresis" and new["output"] != "pwm":
        raise Invalid("range", "control %s needs output pwm: a switched fan is only on "
                               "or off" % new["control"])
    dog = new["watchdog_ms"]
    if dog and (dog < 1000 or dog < 2 * new["sample_ms"]):
        raise Invalid("range", "watchdog_ms must be 0 (off), or at least 1000 and twice "
                               "sample_ms (%d)" % new["sample_ms"])
    why = curve_problem(new)
    if why:
        raise Invalid("range", "the conversion settings give no usable curve: " + why)
    return new


def curve_problem(settings):
    # Why the conversion in `settings` cannot run the loop, or None. Checked across the
    # ADC's whole span: every reading must convert to a finite temperature that falls
    # as the thermistor's resistance rises (an NTC), and the setpoint must be among them.
    top = settings["divider"] == "ntc_to_3v3"
    span = 1.0 - 2 * thermistor.RAIL
    first = prev = None
    for k in range(CURVE_POINTS):
        r = thermistor.RAIL + span * k / (CURVE_POINTS - 1)
        # Walk in rising resistance whichever way the divider is wired.
        ohms = thermistor.ratio_to_ohms(1.0 - r if top else r, settings["r_fixed"], top)
        try:
            t = thermistor.ohms_to_c(ohms, settings)
        except (ArithmeticError, ValueError):
            return "no temperature at %.0f ohms" % ohms
        if not -1e6 < t < 1e6:  # also false for NaN
            return "no temperature at %.0f ohms" % ohms
        if first is None:
            first = t
        elif t >= prev:
            return "temperature rises with resistance near %.0f ohms" % ohms
        prev = t
    # From the lowest resistance (hottest) to the highest (coldest) the ADC can read.
    if not prev <= settings["setpoint"] <= first:
        return "setpoint %s is outside the temperatures it can measure" % settings["setpoint"]
    return None


def load(path):
    # -> (settings, warning or None). A missing, corrupt or invalid file means
    # defaults and a warning; settings the file lacks take their defaults.
    try:
        with open(path) as f:
            stored = json.load(f)
    except OSError:
        return defaults(), "no settings file, using defaults"
    except ValueError:
        return defaults(), "settings file is not valid JSON, using defaults"
    if type(stored) is not dict:
        return defaults(), "settings file is not an object, using defaults"
    known = {}
    for name in stored:
        if name in _ROW:
            known[name] = stored[name]
    try:
        loaded = merge(defaults(), known)
    except Invalid as e:
        return defaults(), "settings file rejected (%s), using defaults" % e.msg
    if len(known) < len(stored):
        return loaded, "settings file has unknown fields, ignored"
    return loaded, None


def save(path, settings):
    # Write a new file, then rename it over the old one: a power cut leaves the
    # old or the new settings, never half of one (littlefs renames atomically).
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(settings, f)
    os.rename(tmp, path)
