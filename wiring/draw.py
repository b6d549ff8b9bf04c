"""Draw the picofan circuit and regenerate the tables in wiring/README.md.

Everything here is computed from the firmware's own definitions: the header
pins from `fanctl.pins`, the thermistor math from `fanctl.thermistor`, the
divider and thermistor constants from `fanctl.settings.defaults()`. The only
numbers that live here are the ones that belong to the wiring itself: the
parts and the few datasheet figures that choose their values.

Writes, into wiring/:
  picofan-led.svg/.png      the sensor divider and an LED on the output
  picofan-fan-5v.svg/.png   a 5 V fan from VBUS, switched by a logic-level MOSFET
  picofan-fan-12v.svg/.png  a 12 V fan from its own supply, common ground
and rewrites the sections of wiring/README.md between `<!-- generated:NAME -->`
and `<!-- /generated -->` (and the `wiring-pins-short` section of the root README).
Everything else in those files is prose and stays as written.

Run: `make wiring`. `python wiring/draw.py --check` changes nothing and
exits 1 when a committed file is stale (the tests do the same).
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import schemdraw
import schemdraw.elements as elm

from fanctl import pins, thermistor
from fanctl.settings import defaults
from picofan.spec import curve
from picofan.spec.header import HEADER

WIRING = Path(__file__).resolve().parent
ROOT = WIRING.parent

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
            "TH1",
            "10 kΩ NTC thermistor, B 3950 K, 1 % (e.g. Adafruit 372)",
            ohms_text(s["r0"]),
            f"the sensor; its R0 and B must match the `r0` ({s['r0']:g} Ω), `t0` "
            f"({s['t0']:g} °C) and `beta` ({s['beta']:g} K) settings",
            "all",
        ),
        Part(
            "R1",
            "metal-film resistor, 1 %, 0.25 W (e.g. Yageo MFR-25FBF52-10K)",
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
            "resistor, 0.25 W",
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
            "resistor, 0.25 W",
            ohms_text(R_GATE),
            f"gate resistor: caps the pin's surge into the gate capacitance at "
            f"{gate_ma:.0f} mA and damps ringing on the wire",
            "fan",
        ),
        Part(
            "R4",
            "resistor, 0.25 W",
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


# --------------------------------------------------------- the drawings

VARIANTS = ("led", "fan-5v", "fan-12v")
TITLES = {
    "led": "picofan: thermistor + LED output",
    "fan-5v": "picofan: thermistor + 5 V fan from VBUS",
    "fan-12v": "picofan: thermistor + 12 V fan, own supply, common ground",
}
SVG_SALT = "picofan-wiring"
PNG_DPI = 110


def drawing(variant: str) -> schemdraw.Drawing:
    """One complete circuit: the Pico W, the divider, and one output stage."""
    if variant not in VARIANTS:
        raise ValueError(variant)
    s = settings()
    fixed_text = f"{ohms_text(s['r_fixed'])} 1 %"
    schemdraw.config(font="sans-serif", fontsize=12, lw=1.6)
    d = schemdraw.Drawing(show=False)
    with d:
        elm.style(elm.STYLE_IEC)
        pico_pins = [
            elm.IcPin(
                name=V33_PIN, pin=f"pin {pin(V33_PIN)}", side="left", pos=0.85, anchorname="v33"
            ),
            elm.IcPin(
                name=ADC_PIN, pin=f"pin {pin(ADC_PIN)}", side="left", pos=0.35, anchorname="adc"
            ),
            elm.IcPin(
                name=OUT_PIN, pin=f"pin {pin(OUT_PIN)}", side="right", pos=0.35, anchorname="out"
            ),
            elm.IcPin(name=GND_PIN, pin=f"pin {pin(GND_PIN)}", side="bottom", anchorname="gnd"),
        ]
        if variant == "fan-5v":
            pico_pins.append(
                elm.IcPin(
                    name=VBUS_PIN,
                    pin=f"pin {pin(VBUS_PIN)}",
                    side="right",
                    pos=0.85,
                    anchorname="vbus",
                )
            )
        ic = elm.Ic(
            pins=pico_pins, size=(5, 8), pinspacing=0, leadlen=1.0, plblsize=11, lsize=12
        ).label("Raspberry Pi\nPico W", fontsize=14)
        gnd_y = ic.gnd[1] - 1.0
        top_y = ic.v33[1]
        elm.Line().at(ic.gnd).toy(gnd_y)
        elm.Ground()
        taps = [ic.gnd[0]]  # where something joins the ground rail

        # The divider, left of the board: 3V3 -> top -> GP26 -> bottom -> GND.
        ntc_label = f"NTC\n{ohms_text(s['r0'])} at {s['t0']:g} °C\nB = {s['beta']:g} K"
        top_is_ntc = ntc_on_top()
        col = ic.v33[0] - 2.5
        elm.Line().at(ic.v33).tox(col)
        upper = elm.Thermistor() if top_is_ntc else elm.Resistor()
        upper.down().toy(ic.adc[1]).label(
            ntc_label if top_is_ntc else fixed_text, loc="top", fontsize=11
        )
        elm.Dot()
        elm.Line().tox(ic.adc)
        lower = elm.Resistor() if top_is_ntc else elm.Thermistor()
        lower.at((col, ic.adc[1])).down().toy(gnd_y).label(
            fixed_text if top_is_ntc else ntc_label, loc="top", fontsize=11
        )
        rail_left = col

        # The output stage, right of the board.
        if variant == "led":
            colour, vf, vf_low = DRAWN_LED
            elm.Line().at(ic.out).right(0.5)
            elm.Resistor().right(3).label(ohms_text(led_resistor(vf, vf_low)), loc="top")
            elm.Line().right(0.5)
            rail_right = d.here[0]
            elm.LED().down().toy(gnd_y).label(
                f"{colour} LED\nVf ≈ {vf:g} V\n(flat side, short leg\nto GND)",
                loc="bottom",
                ofst=0.5,
                fontsize=11,
            )
        else:
            elm.Line().at(ic.out).right(0.5)
            elm.Resistor().right(3).label(ohms_text(R_GATE), loc="top")
            gate = elm.Dot()
            elm.Resistor().at(gate.center).down().toy(gnd_y).label(
                ohms_text(R_PULLDOWN), loc="bottom"
            )
            taps.append(gate.center[0])
            elm.Line().at(gate.center).right(1.5)
            q = elm.NFet(theta=0).reverse().anchor("gate")
            elm.Label().at(q.source).label("S", loc="right", ofst=(0.15, 0.3), fontsize=10)
            elm.Label().at(q.drain).label("D", loc="right", ofst=(0.15, -0.3), fontsize=10)
            elm.Label().at(q.gate).label("G", loc="top", ofst=(-0.2, 0.05), fontsize=10)
            elm.Label().at((q.center[0] + 0.3, q.center[1] - 1.0)).label(
                f"{MOSFET}\nTO-220: pins G D S left\nto right, print facing you",
                halign="left",
                valign="top",
                fontsize=11,
            )
            elm.Line().at(q.source).toy(gnd_y)
            fan_x = q.drain[0]
            elm.Motor().at(q.drain).up().toy(top_y).label(
                "fan, " + ("5 V" if variant == "fan-5v" else "12 V") + "\n(red wire up)",
                loc="top",
                fontsize=11,
            )
            elm.Dot().at(q.drain)
            dx = fan_x + 2.2
            elm.Line().at(q.drain).tox(dx)
            elm.Schottky().up().toy(top_y).label(f"{DIODE}\n(band up)", loc="bottom", fontsize=11)
            elm.Line().tox(fan_x)
            elm.Dot().at((fan_x, top_y))
            if variant == "fan-5v":
                elm.Line().at(ic.vbus).tox(fan_x).label("+5 V (USB)", loc="top")
                rail_right = fan_x
            else:
                sx = dx + 2.8
                elm.Dot().at((dx, top_y))
                elm.Line().at((dx, top_y)).tox(sx).label("+12 V", loc="top")
                elm.BatteryCell().down().toy(gnd_y).reverse().label("12 V\nsupply", loc="bottom")
                taps.append(fan_x)
                rail_right = sx
                elm.Label().at((ic.gnd[0] + 0.5, gnd_y - 0.5)).label(
                    "common ground: the 12 V supply's − is joined to the Pico's GND",
                    halign="left",
                    valign="top",
                    fontsize=11,
                )

        elm.Line().at((rail_left, gnd_y)).tox(rail_right)
        for x in taps:
            if rail_left < x < rail_right:
                elm.Dot().at((x, gnd_y))
        elm.Label().at((col - 1.5, top_y + 2.2)).label(TITLES[variant], halign="left", fontsize=14)
    return d


def _figure(variant: str):
    plt.rcParams["svg.hashsalt"] = SVG_SALT
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, checkable
    # DejaVu Sans ships with matplotlib, so the PNG is the same on every machine;
    # the SVG names it first and falls back to the viewer's sans-serif.
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    d = drawing(variant)
    fig = d.draw(show=False).getfig()
    return fig


def write_drawings(outdir: Path) -> list[Path]:
    """Render every variant as SVG and PNG into outdir; returns the files written."""
    written = []
    for variant in VARIANTS:
        fig = _figure(variant)
        common = {
            "bbox_inches": "tight",
            "pad_inches": 0.15,
            "facecolor": "white",
            "transparent": False,
        }
        svg = outdir / f"picofan-{variant}.svg"
        png = outdir / f"picofan-{variant}.png"
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None}, **common)
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None}, **common)
        plt.close(fig)
        written += [svg, png]
    return written


# ------------------------------------------------------------ the tables


def _header_row(*cells: str) -> list[str]:
    return ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]


def pins_table() -> str:
    """Every header pin the circuit uses, with what goes on it in each variant."""
    rows = _header_row("pin", "name", "LED", "5 V fan", "12 V fan")
    fixed = ohms_text(settings()["r_fixed"])
    uses = [
        (V33_PIN, "NTC", "NTC", "NTC"),
        (ADC_PIN, f"NTC + {fixed}", f"NTC + {fixed}", f"NTC + {fixed}"),
        (
            OUT_PIN,
            f"{ohms_text(led_resistor(*DRAWN_LED[1:]))} → LED",
            f"{ohms_text(R_GATE)} → {MOSFET} gate",
            f"{ohms_text(R_GATE)} → {MOSFET} gate",
        ),
        (
            GND_PIN,
            f"{fixed}, LED",
            f"{fixed}, {MOSFET} source, pull-down",
            f"{fixed}, {MOSFET} source, pull-down, 12 V supply −",
        ),
        (VBUS_PIN, "—", "fan + (5 V)", "—"),
    ]
    if not ntc_on_top():
        uses[0] = (V33_PIN, fixed, fixed, fixed)
    for name, *cells in sorted(uses, key=lambda u: pin(u[0])):
        rows.append(f"| {pin(name)} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def short_pins_table() -> str:
    """The root README's summary: pin, name, what to connect."""
    rows = _header_row("Pico W pin", "name", "connect")
    fixed = ohms_text(settings()["r_fixed"])
    uses = [
        (V33_PIN, "thermistor, one leg"),
        (ADC_PIN, f"thermistor's other leg, and {fixed} to GND"),
        (
            OUT_PIN,
            f"the output: LED through {ohms_text(led_resistor(*DRAWN_LED[1:]))}, "
            f"or a MOSFET gate through {ohms_text(R_GATE)}",
        ),
        (GND_PIN, "ground for everything (and a 12 V fan supply's −)"),
        (VBUS_PIN, "+5 V for a 5 V fan (optional)"),
    ]
    for name, what in sorted(uses, key=lambda u: pin(u[0])):
        rows.append(f"| {pin(name)} | {name} | {what} |")
    return "\n".join(rows)


def bom_table() -> str:
    rows = _header_row("ref", "part", "value", "why", "for")
    for p in parts():
        rows.append(f"| {p.ref} | {p.part} | {p.value} | {p.why} | {p.used_in} |")
    return "\n".join(rows)


def led_table() -> str:
    rows = _header_row(
        "LED colour",
        "Vf typical / lowest",
        "(3.3 V − Vf) / 2 mA",
        "(3.3 V − lowest Vf) / 3 mA",
        "resistor (E12, rounded up)",
        "current",
        "at lowest Vf",
    )
    for colour, vf, vf_low in LEDS:
        typical = (VDD - vf) / (LED_TARGET_MA / 1000)
        worst = (VDD - vf_low) / (LED_MAX_MA / 1000)
        r = led_resistor(vf, vf_low)
        rows.append(
            f"| {colour} | {vf:g} V / {vf_low:g} V | {typical:.0f} Ω | {worst:.0f} Ω | "
            f"**{ohms_text(r)}** | {led_ma(vf, r):.2f} mA | {led_ma(vf_low, r):.2f} mA |"
        )
    return "\n".join(rows)


def numbers_table() -> str:
    s = settings()
    rows = _header_row("°C", "NTC (Ω)", f"{ADC_PIN} (V)", "`read_u16`", "°C per ADC step")
    for t in TABLE_TEMPS:
        ohms = curve.c_to_ohms(t, s)
        ratio = curve.ohms_to_ratio(ohms, s["r_fixed"], ntc_on_top())
        counts = curve.c_to_counts(t, s)
        rows.append(
            f"| {t} | {ohms:,.0f} | {ratio * VDD:.3f} | {counts} | {degrees_per_step(t):.3f} |"
        )
    return "\n".join(rows)


def resolution_text() -> str:
    s = settings()
    lines = []
    for t in (25, 40):
        lines.append(
            f"- At **{t} °C**: {counts_at(t)} counts, **{degrees_per_step(t):.3f} °C "
            f"per ADC step** ({1 / degrees_per_step(t):.0f} steps per °C)."
        )
    setpoint = s["setpoint"]
    best = curve.c_to_ohms(setpoint, s)
    lines.append(
        f"- Fixed resistor vs counts per °C (`read_u16`), at 25 °C and at the "
        f"default setpoint {setpoint:g} °C:"
    )
    lines.append("")
    lines += _header_row("fixed resistor", "counts/°C at 25 °C", f"counts/°C at {setpoint:g} °C")
    for rf in (3300.0, s["r_fixed"], best, 33000.0):
        name = ohms_text(rf) if rf != best else f"{ohms_text(round(best, -1))} (= NTC at "
        name += f"{setpoint:g} °C, the best there)" if rf == best else ""
        lines.append(
            f"| {name} | {counts_per_degree(25, rf):.0f} | {counts_per_degree(setpoint, rf):.0f} |"
        )
    lines.append("")
    n = s["oversample"]
    step = degrees_per_step(25)
    lo_n, hi_n = (lsb * step for lsb in NOISE_LSB_RMS)
    lines.append(
        f"- Noise: one read is {NOISE_LSB_RMS[0]:g}–{NOISE_LSB_RMS[1]:g} codes RMS, "
        f"{lo_n:.3f}–{hi_n:.3f} °C at 25 °C; the firmware averages "
        f"`oversample` = {n} reads, which divides that by √{n}: "
        f"{lo_n / n**0.5:.3f}–{hi_n / n**0.5:.3f} °C."
    )
    spikes = []
    for code in DNL_CODES:
        t = thermistor.measure(read_u16_of_code(code), s)[0]
        if t is None:
            spikes.append(f"code {code} (outside the sensor range)")
        else:
            wide = DNL_MAX_LSB * degrees_per_step(t)
            spikes.append(f"code {code} ≈ {t:.1f} °C (up to {wide:.2f} °C)")
    lines.append(
        f"- The ADC's DNL spikes (erratum RP2040-E11, up to {DNL_MAX_LSB} codes "
        "wide, not removed by averaging) sit at " + ", ".join(spikes) + "."
    )
    p = max(self_heating_mw(t) for t in TABLE_TEMPS)
    lo, hi = (p / k for k in reversed(DISSIPATION_MW_PER_K))
    lines.append(
        f"- Self-heating: at most {p:.2f} mW in the thermistor (when it equals the "
        f"fixed resistor), so {lo:.2f}–{hi:.2f} °C above the air at "
        f"{DISSIPATION_MW_PER_K[0]:g}–{DISSIPATION_MW_PER_K[1]:g} mW/K."
    )
    return "\n".join(lines)


class _Grid:
    """A character canvas for the text diagrams: put strings at (row, column)."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, str]] = {}

    def put(self, row: int, col: int, text: str) -> None:
        line = self.rows.setdefault(row, {})
        for i, ch in enumerate(text):
            line[col + i] = ch

    def hline(self, row: int, start: int, stop: int) -> None:
        self.put(row, start, "─" * (stop - start))

    def text(self) -> list[str]:
        out = []
        for r in range(max(self.rows) + 1):
            line = self.rows.get(r, {})
            width = max(line, default=-1) + 1
            out.append("".join(line.get(c, " ") for c in range(width)).rstrip())
        return out


def _label(name: str) -> str:
    return f"{name} pin {pin(name)}"


def ascii_text() -> str:
    """The circuits as text, for a terminal: the same pins and values as the drawings."""
    s = settings()
    fixed = ohms_text(s["r_fixed"])
    ntc = f"NTC {ohms_text(s['r0'])}, B {s['beta']:g} K"
    top, bottom = (ntc, f"{fixed} 1 %") if ntc_on_top() else (f"{fixed} 1 %", ntc)

    sensor = _Grid()
    base = max(len(_label(n)) for n in (V33_PIN, ADC_PIN, GND_PIN)) + 1
    c = base + 3
    for row, name, joint in ((0, V33_PIN, "┐"), (2, ADC_PIN, "┤"), (4, GND_PIN, "┴")):
        sensor.put(row, 0, _label(name))
        sensor.hline(row, base, c)
        sensor.put(row, c, joint)
    sensor.put(1, c, f"▯ {top}")
    sensor.put(3, c, f"▯ {bottom}")
    sensor.put(4, c + 1, "── ⏚")

    colour, vf, vf_low = DRAWN_LED
    led = _Grid()
    led.put(
        0,
        0,
        f"{_label(OUT_PIN)} ── {ohms_text(led_resistor(vf, vf_low))} ──►|── ⏚ "
        f"{GND_PIN}   ({colour} LED: long leg toward the resistor)",
    )

    fan = _Grid()
    base = max(len(_label(n)) for n in (VBUS_PIN, OUT_PIN, GND_PIN)) + 1
    rg = f"── {ohms_text(R_GATE)} ──"
    p = base + len(rg)  # the gate node and its pull-down
    f = p + len(ohms_text(R_PULLDOWN)) + 4  # the fan / drain / source column
    dd = f + 9  # the diode column
    fan.put(0, 0, _label(VBUS_PIN))
    fan.hline(0, base, dd)
    fan.put(0, f, "┬")
    fan.put(0, dd, "┐   +5 V; a 12 V fan: +12 V of its own supply")
    fan.put(1, f, "│")
    fan.put(1, dd, "│")
    fan.put(2, f - 1, "(M) fan")
    fan.put(2, dd - 1, f"─┴─ {DIODE}, band up")
    fan.put(3, f, "│")
    fan.put(3, dd, "▲")
    fan.put(4, f, "├")
    fan.hline(4, f + 1, dd)
    fan.put(4, dd, "┘")
    fan.put(5, f, "│D")
    fan.put(6, 0, _label(OUT_PIN))
    fan.put(6, base, rg + "┬")
    fan.hline(6, p + 1, f - 2)
    fan.put(6, f - 2, f"G[Q1] {MOSFET}")
    fan.put(7, p, f"▯ {ohms_text(R_PULLDOWN)}")
    fan.put(7, f, "│S")
    fan.put(8, 0, _label(GND_PIN))
    fan.hline(8, base, f)
    fan.put(8, p, "┴")
    fan.put(8, f, "┴── ⏚   (and a 12 V supply's −)")

    blocks = [
        "sensor, every variant:",
        *sensor.text(),
        "",
        "output (a), an LED:",
        *led.text(),
        "",
        "output (b), a fan (Q1: G gate, D drain, S source):",
        *fan.text(),
    ]
    return "```text\n" + "\n".join(blocks) + "\n```"


def lownoise_ascii() -> str:
    s = settings()
    g = _Grid()
    base = max(len(_label(n)) for n in (VREF_PIN, ADC_PIN, AGND_PIN)) + 1
    c = base + 3
    fixed = f"▯ {ohms_text(s['r_fixed'])}"
    cap = c + len(fixed) + 2
    g.put(0, 0, _label(VREF_PIN))
    g.hline(0, base, c)
    g.put(0, c, f"┐{' ' * (cap - c + 4)}(instead of {_label(V33_PIN)})")
    g.put(1, c, f"▯ NTC {ohms_text(s['r0'])}")
    g.put(2, 0, _label(ADC_PIN))
    g.hline(2, base, c)
    g.put(2, c, "┼" + "─" * (cap - c - 1) + "┐")
    g.put(3, c, fixed)
    g.put(3, cap, "═ 100 nF (optional)")
    g.put(4, 0, _label(AGND_PIN))
    g.hline(4, base, c)
    g.put(4, c, "┴" + "─" * (cap - c - 1) + f"┘    (instead of {_label(GND_PIN)})")
    return "```text\n" + "\n".join(g.text()) + "\n```"


def figures_text() -> str:
    """Pictures, linked from README so the names stay in step with VARIANTS."""
    out = []
    for variant in VARIANTS:
        out.append(
            f"**{TITLES[variant].split(': ', 1)[1]}**\n\n"
            f"![{TITLES[variant]}](picofan-{variant}.svg)\n\n"
            f"[PNG](picofan-{variant}.png) · [SVG](picofan-{variant}.svg)\n"
        )
    return "\n".join(out).rstrip()


SECTIONS: dict[str, Callable[[], str]] = {
    "wiring-figures": figures_text,
    "wiring-pins": pins_table,
    "wiring-pins-short": short_pins_table,
    "wiring-ascii": ascii_text,
    "wiring-bom": bom_table,
    "wiring-led": led_table,
    "wiring-numbers": numbers_table,
    "wiring-resolution": resolution_text,
    "wiring-lownoise": lownoise_ascii,
}
BLOCK = re.compile(r"(<!-- generated:(wiring-[\w-]+) -->\n)(.*?)(<!-- /generated -->)", re.S)
DOCS = ("wiring/README.md", "README.md")  # relative to the repository root


def render(text: str) -> str:
    """Rewrite every wiring-* generated section of a Markdown text."""

    def fill(m: re.Match[str]) -> str:
        return m.group(1) + SECTIONS[m.group(2)]() + "\n" + m.group(4)

    return BLOCK.sub(fill, text)


# ------------------------------------------------------- write and check


def _same_png(a: Path, b: Path) -> bool:
    """Same pixels. Bytes would also do on one machine; pixels survive a zlib change."""
    if a.read_bytes() == b.read_bytes():
        return True
    from PIL import Image  # matplotlib's own dependency

    with Image.open(a) as ia, Image.open(b) as ib:
        return ia.size == ib.size and ia.tobytes() == ib.convert(ia.mode).tobytes()


def drawing_names() -> list[str]:
    return [f"picofan-{v}.{ext}" for v in VARIANTS for ext in ("svg", "png")]


def stale(root: Path = ROOT, fresh: Path | None = None) -> list[str]:
    """Files under root (a checkout) that differ from a fresh regeneration.

    fresh: a directory write_drawings() has already filled (saves redrawing)."""
    with tempfile.TemporaryDirectory() as tmp:
        if fresh is None:
            fresh = Path(tmp)
            write_drawings(fresh)
        out = []
        for name in drawing_names():
            new, committed = fresh / name, root / "wiring" / name
            if not committed.exists():
                out.append(f"wiring/{name} (missing)")
            elif name.endswith(".png"):
                if not _same_png(committed, new):
                    out.append(f"wiring/{name}")
            elif committed.read_bytes() != new.read_bytes():
                out.append(f"wiring/{name}")
    for doc in DOCS:
        path = root / doc
        text = path.read_text()
        if render(text) != text:
            out.append(doc)
    return out


def main(check: bool = False) -> int:
    if check:
        bad = stale()
        if bad:
            print("stale: " + ", ".join(bad) + " (run `make wiring`)")
            return 1
        return 0
    for path in write_drawings(WIRING):
        print(f"wrote {path.relative_to(ROOT)}")
    for doc in DOCS:
        path = ROOT / doc
        text = path.read_text()
        new = render(text)
        if new != text:
            path.write_text(new)
            print(f"updated {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
