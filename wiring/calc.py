"""The numbers of the circuit: the pins it uses, the parts and their values, and
what the ADC makes of the divider (counts, resolution, noise, self-heating).

Computed from the firmware's own definitions: the GPIOs from `fanctl.pins`, the
header pins from `picofan.spec.header`, the board's conversion from
`fanctl.thermistor` and its inverse from `picofan.spec.curve`, the divider and
thermistor constants from `fanctl.settings.defaults()`. The only numbers that
live here are the ones that belong to the wiring itself: the parts and the few
datasheet figures that choose their values."""

from __future__ import annotations

from dataclasses import dataclass

from fanctl import pins, thermistor
from fanctl.settings import defaults
from picofan.spec import curve
from picofan.spec.header import HEADER

# ------------------------------------------------------------ the circuits

VARIANTS = ("led", "fan-5v", "fan-12v")
TITLES = {
    "led": "picofan: thermistor + LED output",
    "fan-5v": "picofan: thermistor + 5 V fan from VBUS",
    "fan-12v": "picofan: thermistor + 12 V fan, own supply, common ground",
}

# ---------------------------------------------------------------- the pins

# Header names, derived from the firmware's GPIO numbers so a change there
# either follows through or fails here (a KeyError names the missing pin).
ADC_PIN = f"GP{pins.ADC_GPIO}/ADC{pins.ADC_CHANNEL}"
OUT_PIN = f"GP{pins.FAN_GPIO}"
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


# ----------------------------------------------------------- the parts


@dataclass(frozen=True)
class Part:
    ref: str
    part: str
    value: str
    why: str
    used_in: str  # "all", "LED", "fan", "fan 12 V", "optional"


def parts() -> list[Part]:
    s = settings()
    colour, vf, vf_low = DRAWN_LED
    r_led = led_resistor(vf, vf_low)
    gate_ma = VDD / R_GATE * 1000
    gate_v = VDD * R_PULLDOWN / (R_PULLDOWN + R_GATE)
    return [
        Part(
            "U1",
            "Raspberry Pi Pico W (with headers)",
            "—",
            "runs the firmware; the pins below are its header pins",
            "all",
        ),
        Part(
            "BB1",
            "solderless breadboard, half size: 30 rows a–j, a power rail pair each side",
            "400 points",
            "holds the circuit; the layouts under *On a breadboard* are drawn on one",
            "all",
        ),
        Part(
            "W1–W4",
            "jumper wires, male–male (solid-core or Dupont)",
            "2 to 4",
            "join the Pico's rows to the rails and to the rows below it",
            "all",
        ),
        Part(
            "TH1",
            "10 kΩ NTC thermistor, B 3950 K, 1 % (e.g. Adafruit 372)",
            ohms_text(s["r0"]),
            f"the sensor; its R0 and B must match the `r0` ({s['r0']:g} Ω), `t0` "
            f"({s['t0']:g} °C) and `beta` ({s['beta']:g} K) settings",
            "all",
        ),
        Part(
            "R1",
            f"metal-film resistor, {R1_TOLERANCE_PCT} %, 0.25 W (e.g. Yageo MFR-25FBF52-10K)",
            ohms_text(s["r_fixed"]),
            "the divider's fixed half; equal to the NTC at 25 °C for the steepest "
            "reading there (see *The numbers*); 1 % because its error is a "
            "temperature error",
            "all",
        ),
        Part(
            "D2",
            f"5 mm {colour} LED (e.g. Kingbright WP7113ID)",
            f"Vf ≈ {vf:g} V",
            "shows the output without any fan hardware",
            "LED",
        ),
        Part(
            "R2",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(r_led),
            f"({VDD:g} V − {vf:g} V) / {LED_TARGET_MA:g} mA rounded up to E12: "
            f"{led_ma(vf, r_led):.1f} mA ({led_ma(vf_low, r_led):.1f} mA at Vf "
            f"{vf_low:g} V), under the pin's {GPIO_DRIVE_MA:g} mA default drive",
            "LED",
        ),
        Part(
            "Q1",
            f"{MOSFET} N-MOSFET, TO-220 (or {MOSFET_SMD}, SOT-23 on an adapter)",
            "30 V",
            "switches the fan: a GPIO gives a few mA, a fan needs 100s. Logic level: "
            "Vgs(th) 1.35–2.35 V, fits a breadboard. The "
            f"{MOSFET_SMD} is guaranteed at 3.3 V (≤ 48 mΩ at Vgs 2.5 V)",
            "fan",
        ),
        Part(
            "R3",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(R_GATE),
            f"gate resistor: caps the pin's surge into the gate capacitance at "
            f"{gate_ma:.0f} mA and damps ringing on the wire",
            "fan",
        ),
        Part(
            "R4",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(R_PULLDOWN),
            f"gate pull-down: holds the fan off while the Pico boots, resets or is "
            f"unplugged; costs only {(VDD - gate_v) * 1000:.0f} mV of gate drive",
            "fan",
        ),
        Part(
            "D1",
            f"{DIODE} Schottky diode, 40 V 1 A (1N4148 for fans < 200 mA)",
            "40 V",
            "flyback: the fan's coil current circulates here when Q1 turns off, "
            "instead of a voltage spike across Q1. Band (cathode) to + of the fan",
            "fan",
        ),
        Part(
            "M1",
            "2-wire DC fan (3- or 4-wire: tach and PWM wires left open)",
            f"5 V ≤ {FAN_5V_MAX_MA} mA or 12 V",
            "the load. From VBUS a 5 V fan shares the USB port's 500 mA with the Pico",
            "fan",
        ),
        Part(
            "PS1",
            "12 V DC adapter, rated above the fan's current",
            "12 V",
            "the 12 V fan's own supply; its − joins the Pico's GND (common ground)",
            "fan 12 V",
        ),
        Part(
            "C1",
            "ceramic capacitor",
            "100 nF",
            f"optional, {ADC_PIN} to {AGND_PIN}: filters noise at the ADC input",
            "optional",
        ),
    ]
