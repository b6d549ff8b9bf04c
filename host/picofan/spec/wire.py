"""The wire format's schema: every message the board sends, its fields and their
types, the reply codes and the fault names with what they mean. The host validates
against it and docs/generate.py prints it; the board's side (builders, decoder) is
fanctl.protocol, and tests hold the two together. (The firmware tests import it on
MicroPython too: no __future__ or typing imports.)"""

from fanctl import control, faults, settings

# Field types: "i" int, "f" number, "b" bool, "s" str, "o" object,
# "x" a command id echoed as sent (an int or a short string); "?" = may be null.
# Device -> host messages, keyed by their "type".
MESSAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "hello": (("fw", "s"), ("proto", "i"), ("board", "s"), ("uid", "s"), ("boot", "s"),
              ("reset", "s"),
              ("settings", "o"), ("saved", "b"), ("warning", "s?"), ("wifi", "o?"), ("id", "x?")),
    "tele": (("boot", "s"), ("seq", "i"), ("ms", "i"), ("temp", "f?"), ("raw", "i"),
             ("ohms", "f?"), ("fan", "b"), ("duty", "f"), ("rpm", "i?"), ("setpoint", "f"),
             ("hysteresis", "f"), ("mode", "s"), ("fault", "s?"), ("wifi", "s"),
             ("rssi", "i?"), ("mqtt", "s"), ("demand", "f"), ("kick", "b")),
    "ack": (("id", "x?"), ("cmd", "s")),
    "error": (("id", "x?"), ("code", "s"), ("msg", "s")),
    "log": (("level", "s"), ("msg", "s")),
}
# The bounds of tele's numbers, inclusive: a value outside them is no board's (a
# temperature outside the plausible range any t_min..t_max allows is the range fault,
# with temp null; the ADC reads 16 bits; rssi is a signed byte of dBm).
_LIMITS = {row[0]: row for row in settings.SPEC}
TELE_RANGES = {"seq": (0, 2 ** 53), "ms": (0, 2 ** 53), "raw": (0, 65535),
               "temp": (_LIMITS["t_min"][2], _LIMITS["t_max"][3]),  # type: ignore[misc]
               "ohms": (0.0, 1e12),
               "duty": (0.0, control.FULL), "demand": (0.0, control.FULL), "rpm": (0, 2 ** 31),
               "rssi": (-128, 127)}
# Extra fields on an ack, by command.
ACK_FIELDS = {"ping": ("ms",), "get": ("settings", "saved", "wifi"),
              "set": ("settings", "saved"), "save": ("settings", "saved"),
              "reset": ("settings", "saved"), "wifi": ("wifi",)}
# The stored Wi-Fi config as the board shows it (hello.wifi, get's and wifi's acks; null
# without one): fanctl.wifi.public(), never a password.
WIFI_PUBLIC = (("ssid", "s"), ("broker", "s"), ("password_set", "b"))

# What each fault the board reports in tele.fault means to a user, keyed by the
# firmware's names; every fault drives the fan at full power.
_MEANINGS = {
    faults.OPEN: "thermistor OPEN (disconnected?)",
    faults.SHORT: "thermistor SHORTED",
    faults.RANGE: "reading outside the plausible range",
    faults.STUCK: "ADC STUCK (the same reading for too long)",
    faults.STALL: "fan STALLED (driven, but its tach shows no turning)",
    faults.ERROR: "firmware error (see messages)",
}
# Every fault, in the firmware's order (fanctl.faults.NAMES: the one list of them).
FAULTS: dict[str, str] = {name: _MEANINGS[name] for name in faults.NAMES}
LEVELS = ("info", "warn", "error")
RESET_CAUSES = ("power", "watchdog")
ERRORS = ("json", "too_long", "encoding", "not_object", "unknown_cmd", "bad_id",
          "unknown_field", "type", "range", "missing", "io")
