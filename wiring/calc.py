"""The numbers of the circuit: the pins it uses, the parts and their values, and
what the ADC makes of the divider (counts, resolution, noise, self-heating).

Computed from the firmware's own definitions: the GPIOs from `fanctl.pins`, the
header pins from `picofan.spec.header`, the board's conversion from
`fanctl.thermistor` and its inverse from `picofan.spec.curve`, the divider and
thermistor constants from `fanctl.settings.defaults()`. The only numbers that
live here are the ones that belong to the wiring itself: the parts and the few
datasheet figures that choose their values."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fanctl import pins, thermistor
from fanctl.settings import SPEC, defaults
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


# ----------------------------------------------------------- the parts


# ------------------------------------------------- the 4-wire PWM fan
#
# GP2 drives an NPN whose collector pulls the fan's PWM line (pin 4) low: open
# collector, as the Intel spec asks of a controller. The fan pulls that line up
# inside itself, to as much as 5.25 V, which the RP2040's pins must never see.
# The stage inverts: pin high = line low = fan slow (`pwm_invert` on).
# The tach (pin 3) is the fan's open collector, pulled up here to 3V3: so the
# GPIO never sees more than 3V3, though the fan runs on 12 V.

NPN = "2N3904"  # TO-92, fits a breadboard
NPN_SMD = "MMBT3904"  # the same die in SOT-23
NFET_ALT = "2N7002"  # a logic-level N-MOSFET that also does (SOT-23)
R_BASE = 1e3  # ohms, GP2 -> base
R_BASE_PULLDOWN = R_PULLDOWN  # ohms, base -> GND: the stage off whatever GP2 does
R_TACH_PULLUP = 10e3  # ohms, tach -> 3V3
R_TACH_SERIES = 1e3  # ohms, tach -> GP3
C_TACH = 10e-9  # farads, GP3 -> GND: with R_TACH_SERIES, the optional RC
FAN_CONNECTOR = (  # the 4-pin fan connector (Intel spec): pin, what, usual wire colour
    (1, "GND", "black"),
    (2, "+12 V", "yellow"),
    (3, "tach", "green"),
    (4, "PWM", "blue"),
)
FAN_MAX_RPM = 10000  # the fastest fan this is sized for: 120 mm PC fans run to ~3000

# Intel, 4-Wire Pulse Width Modulation (PWM) Controlled Fans, rev. 1.3 (2005).
SPEC_PWM_VIL = 0.8  # V: the fan reads the PWM line as low below this
SPEC_PWM_VMAX = 5.25  # V: the fan's pull-up on the PWM line, at most (open circuit)
SPEC_PWM_IMAX_MA = 5.0  # mA: what that pull-up sources, at most (short circuit)
SPEC_SINK_MA = 8.0  # mA a controller should sink (5 required, 8 recommended)
SPEC_PWM_HZ = (21000, 28000)  # the PWM frequencies a fan must accept

# RP2040 datasheet, GPIO at IOVDD = 3.3 V.
GPIO_VIL = 0.8  # V, input low at most
GPIO_VIH = 2.0  # V, input high at least
GPIO_HYSTERESIS = 0.2  # V, at least, with the Schmitt trigger (on at reset)
GPIO_VOH_MIN = 2.62  # V, output high at the drive current
GPIO_PULL_OHMS = (50e3, 80e3)  # the pads' own pull-up and pull-down

# 2N3904 datasheet (onsemi): saturation and switching at IC 10 mA, IB 1 mA.
NPN_VBE_SAT = (0.65, 0.85)  # V
NPN_VCE_SAT = 0.2  # V, at most
NPN_SAT_BETA = 10  # the IC/IB those saturation figures hold at
NPN_VCEO = 40.0  # V
NPN_SWITCH_NS = (35 + 35, 200 + 50)  # turn-on (td + tr), turn-off (ts + tf), at most


@dataclass(frozen=True)
class PwmStage:
    """The NPN pulling the fan's PWM line low, sized from the datasheets."""

    base_ma_min: float  # a weak pin high, the base at its highest Vbe
    base_ma_max: float  # what the pin ever gives (its default drive is 4 mA)
    forced_beta: float  # the recommended sink over the least base current
    line_low_v: float  # the PWM line with the NPN on
    line_margin_v: float  # how far under the spec's 0.8 V that is
    sink_ma: float  # the collector current: the fan's pull-up, at most
    dissipation_mw: float  # in the NPN, on, worst case
    period_us: float  # of the PWM
    turn_off_pct: float  # the datasheet's turn-off time, as a share of one period
    fet_max_ohms: float  # the most on-resistance a MOSFET there may have


def pwm_stage() -> PwmStage:
    vbe_low, vbe_high = NPN_VBE_SAT
    base_min = (GPIO_VOH_MIN - vbe_high) / R_BASE - vbe_high / R_BASE_PULLDOWN
    base_max = (VDD - vbe_low) / R_BASE
    period_us = 1e6 / pins.PWM_HZ
    return PwmStage(
        base_ma_min=base_min * 1000,
        base_ma_max=base_max * 1000,
        forced_beta=SPEC_SINK_MA / (base_min * 1000),
        line_low_v=NPN_VCE_SAT,
        line_margin_v=SPEC_PWM_VIL - NPN_VCE_SAT,
        sink_ma=SPEC_PWM_IMAX_MA,
        dissipation_mw=SPEC_PWM_IMAX_MA * NPN_VCE_SAT + base_max * 1000 * vbe_high,
        period_us=period_us,
        turn_off_pct=NPN_SWITCH_NS[1] / 1000 / period_us * 100,
        fet_max_ohms=SPEC_PWM_VIL / (SPEC_PWM_IMAX_MA / 1000),
    )


@dataclass(frozen=True)
class TachInput:
    """The tach line into GP3: levels, edges and the RC, from the parts above."""

    pullup_ma: float  # into the fan's open collector while it is on (tach low)
    pin_pullup_ma: float  # the pin's own pull-up, through the series resistor, at most
    offset_v: float  # which that lifts GP3 above the tach line while low
    collector_max_v: float  # the most the fan's collector may be at and still read low
    high_v: float  # GP3 with the collector off: never above the 3V3 rail
    rise_tau_us: float  # the collector off: 3V3 charges C through both resistors
    rise_to_vih_us: float
    rise_10_90_us: float
    fall_tau_us: float  # the collector on: C empties through the series resistor
    fall_to_vil_us: float  # also the shortest low pulse GP3 can see: glitches are less
    corner_hz: float  # the RC, series resistor and capacitor
    rise_corner_hz: float  # the slow side: the pull-up, series resistor and capacitor
    max_tach_hz: float  # FAN_MAX_RPM at the default pulses per revolution
    max_tach_hz_any_ppr: float  # and at the most the `tach_ppr` setting allows
    max_passed_hz: float  # the fastest tach the RC still lets reach both levels


def tach_ppr_range() -> tuple[int, int]:
    """The `tach_ppr` setting's default and its upper limit, from the settings table."""
    row = next(r for r in SPEC if r[0] == "tach_ppr")
    return row[1], row[3]


def tach_input() -> TachInput:
    pin_pullup = VDD / (GPIO_PULL_OHMS[0] + R_TACH_SERIES)
    offset = pin_pullup * R_TACH_SERIES
    rise_tau = (R_TACH_PULLUP + R_TACH_SERIES) * C_TACH
    fall_tau = R_TACH_SERIES * C_TACH
    rise_to_vih = rise_tau * math.log(VDD / (VDD - GPIO_VIH))
    fall_to_vil = fall_tau * math.log(VDD / GPIO_VIL)
    ppr, ppr_max = tach_ppr_range()
    return TachInput(
        pullup_ma=VDD / R_TACH_PULLUP * 1000,
        pin_pullup_ma=pin_pullup * 1000,
        offset_v=offset,
        collector_max_v=GPIO_VIL - offset,
        high_v=VDD,
        rise_tau_us=rise_tau * 1e6,
        rise_to_vih_us=rise_to_vih * 1e6,
        rise_10_90_us=rise_tau * math.log(9) * 1e6,
        fall_tau_us=fall_tau * 1e6,
        fall_to_vil_us=fall_to_vil * 1e6,
        corner_hz=1 / (2 * math.pi * fall_tau),
        rise_corner_hz=1 / (2 * math.pi * rise_tau),
        max_tach_hz=FAN_MAX_RPM * ppr / 60,
        max_tach_hz_any_ppr=FAN_MAX_RPM * ppr_max / 60,
        max_passed_hz=1 / (2 * max(rise_to_vih, fall_to_vil)),
    )


def rpm_at(hz: float, ppr: int | None = None) -> float:
    """The rpm a tach frequency means at `ppr` pulses per revolution (default: the setting's)."""
    return hz * 60 / (ppr or tach_ppr_range()[0])


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
            "W1–W6",
            "jumper wires, male–male (solid-core or Dupont)",
            "2 to 6",
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
            "fan 12 V, 4-wire fan",
        ),
        *four_wire_parts(),
        Part(
            "C1",
            "ceramic capacitor",
            "100 nF",
            f"optional, {ADC_PIN} to {AGND_PIN}: filters noise at the ADC input",
            "optional",
        ),
    ]


def four_wire_parts() -> list[Part]:
    """The 4-wire fan's own parts (it shares U1, BB1, the wires, the sensor and PS1)."""
    stage, tach = pwm_stage(), tach_input()
    pins_text = ", ".join(f"{n} {what}" for n, what, _ in FAN_CONNECTOR)
    return [
        Part(
            "Q2",
            f"{NPN} NPN transistor, TO-92 (or {NPN_SMD}, SOT-23; or a logic-level "
            f"N-MOSFET such as the {NFET_ALT} with at most {stage.fet_max_ohms:.0f} Ω "
            f"on at {GPIO_VOH_MIN:g} V on its gate)",
            f"{NPN_VCEO:g} V",
            "pulls the fan's PWM line (pin 4) low: open collector, as the Intel 4-wire "
            f"spec asks, so the fan's own pull-up (up to {SPEC_PWM_VMAX:g} V) never "
            "reaches the Pico. It inverts: GP2 high = fan slow (`pwm_invert` on)",
            "4-wire fan",
        ),
        Part(
            "R5",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(R_BASE),
            f"base resistor: {stage.base_ma_min:.2f}–{stage.base_ma_max:.2f} mA from the "
            f"pin (under its {GPIO_DRIVE_MA:g} mA drive). Even the least saturates Q2 at "
            f"the spec's recommended {SPEC_SINK_MA:g} mA sink (IC/IB = "
            f"{stage.forced_beta:.1f}, under the {NPN_SAT_BETA} its datasheet's "
            f"{NPN_VCE_SAT:g} V holds at), so the line sits at ≤ {stage.line_low_v:g} V",
            "4-wire fan",
        ),
        Part(
            "R6",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(R_BASE_PULLDOWN),
            "base pull-down: Q2 off, so the fan at FULL speed, whenever GP2 is not "
            "driven (Pico unpowered, in reset, before the firmware starts, GP2's wire out)",
            "4-wire fan",
        ),
        Part(
            "R7",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(R_TACH_PULLUP),
            f"tach pull-up to {V33_PIN}: {tach.pullup_ma:.2f} mA into the fan's open "
            "collector; the tach line's only high level is 3.3 V",
            "4-wire fan",
        ),
        Part(
            "R8",
            f"resistor, {R_TOLERANCE_PCT} %, 0.25 W",
            ohms_text(R_TACH_SERIES),
            f"tach series resistor into {TACH_PIN}: limits the current into the pin; "
            f"with C2 a {tach.corner_hz / 1000:.1f} kHz low-pass",
            "4-wire fan",
        ),
        Part(
            "C2",
            "ceramic capacitor",
            farads_text(C_TACH),
            f"optional, {TACH_PIN} to GND: with R8, a low pulse shorter than "
            f"{tach.fall_to_vil_us:.0f} µs (a spike from the PWM wire beside the tach wire) "
            "never reaches the pin's low threshold",
            "4-wire fan",
        ),
        Part(
            "M2",
            "4-wire PWM PC fan, 12 V (Intel 4-wire spec: 25 kHz PWM input, open-collector "
            "tach)",
            "12 V",
            f"the load; its connector's pins: {pins_text} (the colours vary, the pin "
            "numbers do not)",
            "4-wire fan",
        ),
    ]
