"""The parts list: every part of every variant, its value and why it has it."""

from __future__ import annotations

from dataclasses import dataclass

from wiring.calc import (
    ADC_PIN,
    AGND_PIN,
    DIODE,
    DRAWN_LED,
    FAN_5V_MAX_MA,
    GPIO_DRIVE_MA,
    LED_TARGET_MA,
    MOSFET,
    MOSFET_SMD,
    R1_TOLERANCE_PCT,
    R_GATE,
    R_PULLDOWN,
    R_TOLERANCE_PCT,
    TACH_PIN,
    V33_PIN,
    VDD,
    farads_text,
    led_ma,
    led_resistor,
    ohms_text,
    settings,
)
from wiring.four_wire import (
    C_TACH,
    FAN_CONNECTOR,
    GPIO_VOH_MIN,
    NFET_ALT,
    NPN,
    NPN_SAT_BETA,
    NPN_SMD,
    NPN_VCE_SAT,
    NPN_VCEO,
    R_BASE,
    R_BASE_PULLDOWN,
    R_TACH_PULLUP,
    R_TACH_SERIES,
    SPEC_PWM_VMAX,
    SPEC_SINK_MA,
    pwm_stage,
    tach_input,
)


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
