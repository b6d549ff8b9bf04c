"""The circuits on a breadboard: which hole each lead goes in (the picture of it
is wiring.breadboard_drawing's).

A half-size breadboard (30 rows, columns a-j, a power rail pair on each side)
seen from above, USB end of the Pico W at row 1. The Pico's header pins come
from picofan.spec.header (through wiring.calc) and their breadboard rows from
the board's geometry: pins 1-20 run down one edge, pins 21-40 back up the other.
The parts and values are wiring.calc's and wiring.four_wire's, so the picture,
its hole table and the schematics cannot disagree about what goes where."""

from __future__ import annotations

from dataclasses import dataclass, replace

from wiring.calc import (
    ADC_PIN,
    DIODE,
    DRAWN_LED,
    GND_PIN,
    MOSFET,
    OUT_PIN,
    R1_TOLERANCE_PCT,
    R_GATE,
    R_PULLDOWN,
    R_TOLERANCE_PCT,
    TACH_PIN,
    V33_PIN,
    VARIANTS,
    VBUS_PIN,
    colour_bands,
    farads_text,
    led_resistor,
    ntc_on_top,
    ohms_text,
    pin,
    settings,
)
from wiring.four_wire import (
    C_TACH,
    FAN_CONNECTOR,
    NPN,
    R_BASE,
    R_BASE_PULLDOWN,
    R_TACH_PULLUP,
    R_TACH_SERIES,
)

# ------------------------------------------------------------ the board

ROWS = 30  # a half-size (400-point) breadboard
COLUMNS = "abcdefghij"
# x of each column in 0.1" pitches: a-e, the 0.3" centre channel, f-j; the rails outside.
X = {c: i for i, c in enumerate("abcde")} | {c: i + 7 for i, c in enumerate("fghij")}
RAILS = {"left +": -3.0, "left −": -2.0, "right −": 13.0, "right +": 14.0}

# The Pico W straddles the channel: its two rows of pins are 0.7" apart, so they
# land in columns c and h, leaving a-b and i-j free beside every pin.
PICO_TOP_ROW = 1  # pin 1 and pin 40, the USB end
PICO_LEFT, PICO_RIGHT = "c", "h"
PICO_PINS_PER_SIDE = 20


@dataclass(frozen=True)
class Hole:
    """A hole: a column letter and row, or a rail (any hole along it; `row` is
    where the picture puts the lead)."""

    column: str  # "a".."j" or a RAILS key
    row: int

    @property
    def x(self) -> float:
        return RAILS[self.column] if self.column in RAILS else float(X[self.column])

    @property
    def y(self) -> float:
        return -float(self.row)

    def __str__(self) -> str:
        return f"{self.column} rail" if self.column in RAILS else f"{self.column}{self.row}"


def pico_hole(number: int) -> Hole:
    """Where header pin `number` (1-40) of the Pico W goes."""
    if not 1 <= number <= 2 * PICO_PINS_PER_SIDE:
        raise ValueError(number)
    if number <= PICO_PINS_PER_SIDE:
        return Hole(PICO_LEFT, PICO_TOP_ROW + number - 1)
    return Hole(PICO_RIGHT, PICO_TOP_ROW + 2 * PICO_PINS_PER_SIDE - number)


def strip(hole: Hole) -> str:
    """The node a hole is on: a row's five holes a-e or f-j, or a whole rail."""
    if hole.column in RAILS:
        return hole.column
    return f"{hole.row}{'a-e' if hole.column in 'abcde' else 'f-j'}"


# ------------------------------------------------------------ the parts


@dataclass(frozen=True)
class Placed:
    ref: str  # as in the parts list; W1.. for wires
    what: str  # for the table
    kind: str  # how to draw it: pico, wire, resistor, ntc, led, diode, mosfet, fan, supply
    leads: tuple[tuple[str, Hole], ...]  # (lead name, or "" if either way round; hole)
    label: str = ""  # for the picture
    colour: str = ""  # a wire's
    bands: tuple[str, ...] = ()  # a resistor's
    note: str = ""  # how it faces, for the table


def _two(a: Hole, b: Hole) -> tuple[tuple[str, Hole], ...]:
    return (("", a), ("", b))


def _wire(ref: str, what: str, a: Hole, b: Hole, colour: str) -> Placed:
    return Placed(ref, f"wire: {what}", "wire", _two(a, b), colour=colour)


def _resistor(ref: str, ohms: float, tolerance_pct: int, a: Hole, b: Hole) -> Placed:
    bands = colour_bands(ohms, tolerance_pct)
    value = ohms_text(ohms) + ("" if tolerance_pct == R_TOLERANCE_PCT else f" {tolerance_pct} %")
    across = " across the channel," if (a.column in "abcde") != (b.column in "abcde") else ""
    return Placed(ref, f"resistor {value} ({' '.join(bands)}),{across} either way round",
                  "resistor", _two(a, b), label=f"{ref} {value}", bands=bands)


def layout(variant: str) -> list[Placed]:
    """Every part of one variant, in the order to fit them, with its holes."""
    if variant not in VARIANTS:
        raise ValueError(variant)
    s = settings()
    gnd, v33, adc, out = (pico_hole(pin(n)) for n in (GND_PIN, V33_PIN, ADC_PIN, OUT_PIN))
    # The sensor goes in the free columns i-j beside the Pico's pins; the output in
    # the rows below the Pico; ground and the fan's supply on the right-hand rails.
    inner, outer = "i", "j"
    minus, plus = "right −", "right +"
    below = PICO_TOP_ROW + PICO_PINS_PER_SIDE + 1  # the first row clear of the Pico
    ntc = Placed("TH1", f"NTC thermistor {ohms_text(s['r0'])}, either way round", "ntc",
                 _two(Hole(inner, v33.row), Hole(inner, adc.row)),
                 label=f"TH1 NTC {ohms_text(s['r0'])}")
    fixed = _resistor("R1", s["r_fixed"], R1_TOLERANCE_PCT,
                      Hole(outer, adc.row), Hole(minus, adc.row + 3))
    if not ntc_on_top():  # the divider the other way up: swap the two halves' places
        ntc, fixed = (replace(ntc, leads=fixed.leads), replace(fixed, leads=ntc.leads))
    placed = [
        Placed("U1", "Raspberry Pi Pico W, across the centre channel, USB end at the top",
               "pico", tuple((f"pin {n}", pico_hole(n))
                             for n in range(1, 2 * PICO_PINS_PER_SIDE + 1))),
        _wire("W1", f"{GND_PIN} (pin {pin(GND_PIN)}) to the − rail",
              Hole(outer, gnd.row), Hole(minus, gnd.row), "black"),
        ntc,
        fixed,
        _wire("W2", f"{OUT_PIN} (pin {pin(OUT_PIN)}) to the rows below the Pico",
              Hole("a", out.row), Hole("a", below + (variant == "fan-4wire")), "green"),
    ]
    if variant == "fan-4wire":
        return [*placed, *_four_wire(below)]
    if variant == "led":
        colour, _, _ = DRAWN_LED
        anode = Hole(outer, below)
        return [
            *placed,
            _resistor("R2", led_resistor(*DRAWN_LED[1:]), R_TOLERANCE_PCT,
                      Hole("d", below), Hole("g", below)),
            Placed("D2", f"{colour} LED", "led",
                   (("long leg", anode), ("short leg", Hole(minus, below))),
                   label=f"D2 {colour} LED, long leg (+) in {anode}"),
        ]
    gate, drain, source = below, below + 1, below + 2
    fan = Placed("M1", "fan, " + ("5 V" if variant == "fan-5v" else "12 V"), "fan",
                 (("black", Hole("g", drain)), ("red", Hole(plus, ROWS - 3))))
    placed += [
        _resistor("R3", R_GATE, R_TOLERANCE_PCT, Hole("d", gate), Hole("g", gate)),
        Placed("Q1", f"{MOSFET} MOSFET", "mosfet",
               (("G", Hole("h", gate)), ("D", Hole("h", drain)), ("S", Hole("h", source))),
               label=f"Q1 {MOSFET}",
               note="printed side toward the centre channel, metal tab toward the rails"),
        _resistor("R4", R_PULLDOWN, R_TOLERANCE_PCT, Hole(outer, gate), Hole(minus, gate)),
        _wire("W3", "the MOSFET's source to the − rail",
              Hole(outer, source), Hole(minus, source), "black"),
        Placed("D1", f"{DIODE} diode", "diode",
               (("anode", Hole(outer, drain)), ("band", Hole(plus, drain))),
               label=f"D1 {DIODE}, band in the + rail", note="band (cathode) in the + rail"),
    ]
    if variant == "fan-5v":
        vbus = pico_hole(pin(VBUS_PIN))
        return [
            *placed,
            _wire("W4", f"{VBUS_PIN} (pin {pin(VBUS_PIN)}), +5 V, to the + rail",
                  Hole(outer, vbus.row), Hole(plus, vbus.row), "red"),
            fan,
        ]
    return [
        *placed,
        fan,
        Placed("PS1", "12 V supply", "supply",
               (("+ (red)", Hole(plus, ROWS - 1)), ("− (black)", Hole(minus, ROWS))),
               note="plug it in last"),
    ]


def _four_wire(below: int) -> list[Placed]:
    """The 4-wire fan's parts, in the rows below the Pico: the NPN stage on GP2 in
    rows below..below+2, the tach network on GP3 four rows further down. The right
    + rail carries 3.3 V here (the tach pull-up's); the fan's 12 V stays in a
    half-row of its own at the bottom, away from every Pico pin."""
    minus, plus = "right −", "right +"
    v33, tach_pin = pico_hole(pin(V33_PIN)), pico_hole(pin(TACH_PIN))
    emitter, base, collector = below, below + 1, below + 2
    tach = below + 5  # the fan's tach wire, the pull-up and the series resistor
    supply = ROWS  # the 12 V half-row
    wires = {what: f"#{n} {colour}" for n, what, colour in FAN_CONNECTOR}
    return [
        _resistor("R5", R_BASE, R_TOLERANCE_PCT, Hole("d", base), Hole("g", base)),
        Placed("Q2", f"{NPN} NPN transistor", "npn",
               (("E", Hole("h", emitter)), ("B", Hole("h", base)), ("C", Hole("h", collector))),
               label=f"Q2 {NPN}",
               note="flat face toward the centre channel"),
        _resistor("R6", R_BASE_PULLDOWN, R_TOLERANCE_PCT, Hole("j", base), Hole(minus, base)),
        _wire("W3", "the NPN's emitter to the − rail",
              Hole("j", emitter), Hole(minus, emitter), "black"),
        _wire("W4", f"{V33_PIN} (pin {pin(V33_PIN)}), 3.3 V, to the + rail",
              Hole("j", v33.row), Hole(plus, v33.row), "red"),
        _wire("W5", f"{TACH_PIN} (pin {pin(TACH_PIN)}) to the rows below the Pico",
              Hole("b", tach_pin.row), Hole("b", tach), "orange"),
        _resistor("R8", R_TACH_SERIES, R_TOLERANCE_PCT, Hole("d", tach), Hole("g", tach)),
        _resistor("R7", R_TACH_PULLUP, R_TOLERANCE_PCT, Hole("j", tach), Hole(plus, tach - 1)),
        _wire("W6", "the right − rail to the left − rail, across the board",
              Hole(minus, below - 1), Hole("left −", below - 1), "black"),
        Placed("C2", f"ceramic capacitor {farads_text(C_TACH)}, either way round (optional)",
               "capacitor", _two(Hole("a", tach), Hole("left −", tach)),
               label=f"C2 {farads_text(C_TACH)}"),
        Placed("M2", "4-wire fan, 12 V: a male–male jumper pushed into each socket of its "
               "connector (#1–#4, its pins as the Intel spec numbers them)", "fan4",
               ((wires["PWM"], Hole("f", collector)), (wires["tach"], Hole("h", tach)),
                (wires["GND"], Hole(minus, supply - 2)), (wires["+12 V"], Hole("i", supply))),
               note="the + rail is 3.3 V here: its 12 V goes in row "
                    f"{supply} only"),
        Placed("PS1", "12 V supply", "supply",
               (("+ (red)", Hole("j", supply)), ("− (black)", Hole(minus, supply))),
               note="plug it in last"),
    ]


def holes_text(p: Placed) -> str:
    """Where a part's leads go, for the table: "i5, i10", "G: h22, D: h23, S: h24"."""
    if p.kind == "pico":
        halves = []
        for first in (1, PICO_PINS_PER_SIDE + 1):
            last = first + PICO_PINS_PER_SIDE - 1
            halves.append(f"pins {first}–{last}: {pico_hole(first)}–{pico_hole(last)}")
        return ", ".join(halves)
    return ", ".join(f"{name}: {hole}" if name else str(hole) for name, hole in p.leads)
