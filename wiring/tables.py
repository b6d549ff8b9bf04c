"""The Markdown tables of what to build: the pins, the parts, the 4-wire fan's
hook-up, the links to the drawings and each breadboard's hole table. Each is a
`<!-- generated:wiring-... -->` section (wiring.sections says where)."""

from __future__ import annotations

from wiring import breadboard
from wiring.bom import parts
from wiring.calc import (
    ADC_PIN,
    DRAWN_LED,
    GND_PIN,
    MOSFET,
    OUT_PIN,
    R_GATE,
    TACH_PIN,
    TITLES,
    V33_PIN,
    VARIANTS,
    VBUS_PIN,
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


def header_row(*cells: str) -> list[str]:
    return ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]


def pins_table() -> str:
    """Every header pin the circuit uses, with what goes on it in each variant."""
    rows = header_row("pin", "name", "LED", "5 V fan", "12 V fan", "4-wire fan")
    fixed = ohms_text(settings()["r_fixed"])
    divider = f"NTC + {fixed}"
    uses = [
        (V33_PIN, "NTC", "NTC", "NTC", f"NTC, {ohms_text(R_TACH_PULLUP)} tach pull-up"),
        (ADC_PIN, divider, divider, divider, divider),
        (
            OUT_PIN,
            f"{ohms_text(led_resistor(*DRAWN_LED[1:]))} → LED",
            f"{ohms_text(R_GATE)} → {MOSFET} gate",
            f"{ohms_text(R_GATE)} → {MOSFET} gate",
            f"{ohms_text(R_BASE)} → {NPN} base",
        ),
        (
            TACH_PIN,
            "—",
            "—",
            "—",
            f"{ohms_text(R_TACH_SERIES)} → fan tach, {farads_text(C_TACH)} to GND",
        ),
        (
            GND_PIN,
            f"{fixed}, LED",
            f"{fixed}, {MOSFET} source, pull-down",
            f"{fixed}, {MOSFET} source, pull-down, 12 V supply −",
            f"{fixed}, {NPN} emitter, pull-down, fan GND, 12 V supply −",
        ),
        (VBUS_PIN, "—", "fan + (5 V)", "—", "—"),
    ]
    if not ntc_on_top():
        pull_up = f"{fixed}, {ohms_text(R_TACH_PULLUP)} tach pull-up"
        uses[0] = (V33_PIN, fixed, fixed, fixed, pull_up)
    for name, *cells in sorted(uses, key=lambda u: pin(u[0])):
        rows.append(f"| {pin(name)} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def short_pins_table() -> str:
    """The root README's summary: pin, name, what to connect."""
    rows = header_row("Pico W pin", "name", "connect")
    fixed = ohms_text(settings()["r_fixed"])
    uses = [
        (V33_PIN, "thermistor, one leg (and a 4-wire fan's tach pull-up)"),
        (ADC_PIN, f"thermistor's other leg, and {fixed} to GND"),
        (
            OUT_PIN,
            f"the output: LED through {ohms_text(led_resistor(*DRAWN_LED[1:]))}, "
            f"a MOSFET gate through {ohms_text(R_GATE)}, or a 4-wire fan's PWM through "
            f"a {NPN} ({ohms_text(R_BASE)} to its base)",
        ),
        (
            TACH_PIN,
            f"a 4-wire fan's tach (optional): {ohms_text(R_TACH_SERIES)} into the pin, "
            f"{ohms_text(R_TACH_PULLUP)} pull-up to 3V3",
        ),
        (GND_PIN, "ground for everything (and a 12 V fan supply's −)"),
        (VBUS_PIN, "+5 V for a 5 V fan (optional)"),
    ]
    for name, what in sorted(uses, key=lambda u: pin(u[0])):
        rows.append(f"| {pin(name)} | {name} | {what} |")
    return "\n".join(rows)


def bom_table() -> str:
    rows = header_row("ref", "part", "value", "why", "for")
    for p in parts():
        rows.append(f"| {p.ref} | {p.part} | {p.value} | {p.why} | {p.used_in} |")
    return "\n".join(rows)


def four_wire_hookup() -> str:
    """docs/hardware.md's summary of the 4-wire fan's wiring: every connection, from
    the Pico's pins and the fan's connector, with the part in between."""
    wire = {what: f"fan #{n}, {what} ({colour})" for n, what, colour in FAN_CONNECTOR}
    npn = f"{NPN}"

    def at(name: str) -> str:
        return f"{name} (pin {pin(name)})"

    rows = header_row("from", "through", "to")
    rows += [
        f"| {at(OUT_PIN)} | {ohms_text(R_BASE)} | {npn} base (B) |",
        f"| {npn} base (B) | {ohms_text(R_BASE_PULLDOWN)} | {GND_PIN} |",
        f"| {npn} emitter (E) | — | {GND_PIN} |",
        f"| {npn} collector (C) | — | {wire['PWM']} |",
        f"| {wire['tach']} | {ohms_text(R_TACH_PULLUP)} | {at(V33_PIN)} |",
        f"| {wire['tach']} | {ohms_text(R_TACH_SERIES)} | {at(TACH_PIN)} |",
        f"| {at(TACH_PIN)} | {farads_text(C_TACH)} (optional) | {GND_PIN} |",
        f"| {wire['GND']} | — | {at(GND_PIN)}, and the 12 V supply's − |",
        f"| {wire['+12 V']} | — | the 12 V supply's + (never a Pico pin) |",
    ]
    return "\n".join(rows)


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


def breadboard_text() -> str:
    """Each variant on a breadboard: the picture, then every part in the order to fit
    it, with the holes its leads go in."""
    first = breadboard.PICO_TOP_ROW
    last = first + breadboard.PICO_PINS_PER_SIDE - 1
    cols = breadboard.COLUMNS
    left, right = cols.index(breadboard.PICO_LEFT), cols.index(breadboard.PICO_RIGHT)
    out = [
        f"The Pico W sits across the centre channel, USB end at row {first}: its pins fill "
        f"columns {cols[left]} and {cols[right]} of rows {first}–{last}, which leaves "
        f"{cols[0]}–{cols[left - 1]} and {cols[right + 1]}–{cols[-1]} free beside every "
        f"pin. The five holes {cols[0]}–{cols[4]} of a row are joined, and so are "
        f"{cols[5]}–{cols[9]}; each rail is joined along its length (if your board's "
        "rails break halfway, marked by a gap in the red and blue lines, bridge the "
        "break with a wire). A lead in a rail can go in any of its holes.\n"
    ]
    for variant in VARIANTS:
        stem = f"picofan-breadboard-{variant}"
        rows = header_row("#", "part", "its leads go in")
        for step, p in enumerate(breadboard.layout(variant), 1):
            what = p.what + (f"; {p.note}" if p.note else "")
            rows.append(f"| {step} | **{p.ref}** {what} | {breadboard.holes_text(p)} |")
        out.append(
            f"### {TITLES[variant].split(': ', 1)[1]}\n\n"
            f"![{TITLES[variant]}, on a breadboard]({stem}.svg)\n\n"
            f"[PNG]({stem}.png) · [SVG]({stem}.svg)\n\n" + "\n".join(rows) + "\n"
        )
    return "\n".join(out).rstrip()
