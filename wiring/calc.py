"""The numbers of the circuit: the pins it uses, the parts' values, and what
the ADC makes of the divider (counts, resolution, noise, self-heating). The
4-wire fan's stage is wiring.four_wire's, the parts list wiring.bom's.

Computed from the firmware's own definitions: the GPIOs from `fanctl.pins`, the
header pins from `picofan.spec.header`, the board's conversion from
`fanctl.thermistor` and its inverse from `picofan.spec.curve`, the divider and
thermistor constants from `fanctl.settings.defaults()`. The only numbers that
live here are the ones that belong to the wiring itself: the parts and the few
datasheet figures that choose their values."""

from __future__ import annotations

from fanctl import pins, thermistor
from fanctl.settings import defaults
from picofan.spec import curve
from picofan.spec.header import HEADER

# ------------------------------------------------------------ the circuits

VARIANTS = ("led", "fan-5v", "fan-12v", "fan-4wire")
TITLES = {
    "led": "picofan: thermistor + LED output",
    "fan-5v": "picofan: thermistor + 5 V fan from VBUS",
    "fan-12v": "picofan: thermistor + 12 V fan, own supply, common ground",
    "fan-4wire": "picofan: thermistor + 4-wire PWM fan, 12 V, with its tach",
}

# ---------------------------------------------------------------- the pins

# Header names, derived from the firmware's GPIO numbers so a change there
# either follows through or fails here (a KeyError names the missing pin).
ADC_PIN = f"GP{pins.ADC_GPIO}/ADC{pins.ADC_CHANNEL}"
OUT_PIN = f"GP{pins.FAN_GPIO}"
TACH_PIN = f"GP{pins.TACH_GPIO}"
V33_PIN = "3V3(OUT)"
GND_PIN = "GND"
VBUS_PIN = "VBUS"
VREF_PIN = "ADC_VREF"
AGND_PIN = "AGND"


def pin(name: str) -> int:
    """The physical header pin (1-40) of a named Pico W pin."""
    return HEADER[name]


# ------------------------------------------------------- the electronics

VDD = 3.3  # V, the Pico's 3V3(OUT) rail; the ADC reference is the same rail, filtered
ADC_BITS = 12
CODE_STEP = (thermistor.FULL_SCALE + 1) >> ADC_BITS  # read_u16 counts per 12-bit code (16)
GPIO_DRIVE_MA = 4.0  # RP2040 default pad drive strength (RP2040 datasheet)
LED_TARGET_MA = 2.0  # plenty for an indicator, half the default drive
LED_MAX_MA = 3.0  # never more, even with a low-Vf LED: a margin under the drive
E12 = (1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2)

# (colour, typical Vf at a few mA, lowest Vf to expect) in volts
LEDS = (
    ("red", 2.0, 1.8),
    ("yellow", 2.1, 1.9),
    ("green (standard)", 2.2, 1.9),
    ("blue / white / true green", 3.0, 2.7),
)
DRAWN_LED = LEDS[0]

R_GATE = 220.0  # ohms, GPIO -> MOSFET gate
R_PULLDOWN = 100e3  # ohms, gate -> GND
MOSFET = "IRLB8721PbF"
MOSFET_SMD = "AO3400A"
DIODE = "1N5819"
FAN_5V_MAX_MA = 300  # what a USB 2.0 port (500 mA) leaves after the Pico W itself
TABLE_TEMPS = range(-10, 81, 5)
DISSIPATION_MW_PER_K = (1.5, 3.0)  # small epoxy bead in still air (datasheet range)
DNL_CODES = thermistor.E11_CODES  # RP2040-E11: the ADC's large DNL spikes
DNL_MAX_LSB = 9  # and how wide they get, in codes
NOISE_LSB_RMS = (1.0, 1.4)  # input-referred noise of one read (independent measurement)


def e12_at_least(ohms: float) -> float:
    """The smallest E12 value >= ohms: the current never exceeds the target."""
    decade = 1.0
    while decade * 10 <= ohms:
        decade *= 10
    for mantissa in (*E12, 10.0):
        if mantissa * decade >= ohms * (1 - 1e-9):
            return mantissa * decade
    raise AssertionError("unreachable")


def led_resistor(vf: float, vf_low: float) -> float:
    """Series resistor for an LED on a 3.3 V GPIO, rounded up to E12.

    R = (3.3 V - Vf) / 2 mA, but never so small that an LED at the low end of
    its Vf spread would draw more than LED_MAX_MA."""
    typical = (VDD - vf) / (LED_TARGET_MA / 1000)
    worst = (VDD - vf_low) / (LED_MAX_MA / 1000)
    return e12_at_least(max(typical, worst))


def led_ma(vf: float, ohms: float) -> float:
    return (VDD - vf) / ohms * 1000


def farads_text(farads: float) -> str:
    """10e-9 -> '10 nF', 1e-7 -> '100 nF'."""
    for scale, unit in ((1e-6, "µF"), (1e-9, "nF"), (1e-12, "pF")):
        if farads >= scale * (1 - 1e-9):
            return f"{round(farads / scale, 6):g} {unit}"
    raise ValueError(farads)


def ohms_text(ohms: float) -> str:
    """220 -> '220 Ω', 10000 -> '10 kΩ', 4700 -> '4.7 kΩ'."""
    if ohms >= 1e6:
        value, unit = ohms / 1e6, "MΩ"
    elif ohms >= 1e3:
        value, unit = ohms / 1e3, "kΩ"
    else:
        value, unit = ohms, "Ω"
    return f"{value:g} {unit}"


COLOUR_CODE = (
    "black", "brown", "red", "orange", "yellow", "green", "blue", "violet", "grey", "white"
)
R1_TOLERANCE_PCT = 1  # the divider's fixed half: its error is a temperature error
R_TOLERANCE_PCT = 5  # the LED and gate resistors: any common part will do


def colour_bands(ohms: float, tolerance_pct: int) -> tuple[str, ...]:
    """A through-hole resistor's colour bands (IEC 60062): two significant digits,
    the multiplier and gold for 5 %; three digits, the multiplier and brown for 1 %."""
    tolerance = {5: "gold", 1: "brown"}[tolerance_pct]
    digits = 3 if tolerance_pct == 1 else 2
    exponent = len(str(int(ohms))) - digits
    significant = round(ohms / 10**exponent)
    if ohms < 10 ** (digits - 1) or significant * 10**exponent != ohms:
        raise ValueError(f"{ohms} Ω has no {digits}-digit colour code")
    return (*(COLOUR_CODE[int(d)] for d in str(significant)), COLOUR_CODE[exponent], tolerance)


def settings() -> dict:
    return defaults()


def ntc_on_top() -> bool:
    return settings()["divider"] == "ntc_to_3v3"


def counts_at(t_c: float, s: dict | None = None) -> int:
    return curve.c_to_counts(t_c, s or settings())


def degrees_per_step(t_c: float) -> float:
    """°C between two adjacent 12-bit codes (16 read_u16 counts), via measure()."""
    s = settings()
    c = counts_at(t_c, s)
    hi = thermistor.measure(c + CODE_STEP // 2, s)[0]
    lo = thermistor.measure(c - CODE_STEP // 2, s)[0]
    assert hi is not None and lo is not None
    return abs(hi - lo)


def read_u16_of_code(code: int) -> int:
    """MicroPython's scaling of a 12-bit code to read_u16: (code << 4) | (code >> 8)."""
    return thermistor.u16(code)


def counts_per_degree(t_c: float, r_fixed: float) -> float:
    """read_u16 counts per °C at t_c with a given fixed resistor (float, not rounded)."""
    s = settings()
    top = ntc_on_top()

    def u16(t: float) -> float:
        ohms = curve.c_to_ohms(t, s)
        return curve.ohms_to_ratio(ohms, r_fixed, top) * thermistor.FULL_SCALE

    return abs(u16(t_c + 0.05) - u16(t_c - 0.05)) / 0.1


def self_heating_mw(t_c: float) -> float:
    s = settings()
    ohms = curve.c_to_ohms(t_c, s)
    amps = VDD / (ohms + s["r_fixed"])
    return amps * amps * ohms * 1000

