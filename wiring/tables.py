"""The Markdown the wiring generator owns: the tables, the text diagrams and the
figure links in wiring/README.md, and the short pin table in the root README.
Each is a `<!-- generated:wiring-... -->` section (picofan.spec.generated)."""

from __future__ import annotations

from fanctl import thermistor
from picofan.spec import curve, generated
from wiring import breadboard
from wiring.calc import (
    ADC_PIN,
    AGND_PIN,
    DIODE,
    DISSIPATION_MW_PER_K,
    DNL_CODES,
    DNL_MAX_LSB,
    DRAWN_LED,
    GND_PIN,
    LED_MAX_MA,
    LED_TARGET_MA,
    LEDS,
    MOSFET,
    NOISE_LSB_RMS,
    OUT_PIN,
    R_GATE,
    R_PULLDOWN,
    TABLE_TEMPS,
    TITLES,
    V33_PIN,
    VARIANTS,
    VBUS_PIN,
    VDD,
    VREF_PIN,
    counts_at,
    counts_per_degree,
    degrees_per_step,
    led_ma,
    led_resistor,
    ntc_on_top,
    ohms_text,
    parts,
    pin,
    read_u16_of_code,
    self_heating_mw,
    settings,
)

DOCS = ("wiring/README.md", "README.md")  # relative to the repository root


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
        rows = _header_row("#", "part", "its leads go in")
        for step, p in enumerate(breadboard.layout(variant), 1):
            what = p.what + (f"; {p.note}" if p.note else "")
            rows.append(f"| {step} | **{p.ref}** {what} | {breadboard.holes_text(p)} |")
        out.append(
            f"### {TITLES[variant].split(': ', 1)[1]}\n\n"
            f"![{TITLES[variant]}, on a breadboard]({stem}.svg)\n\n"
            f"[PNG]({stem}.png) · [SVG]({stem}.svg)\n\n" + "\n".join(rows) + "\n"
        )
    return "\n".join(out).rstrip()


SECTIONS: generated.Sections = {
    "wiring-figures": figures_text,
    "wiring-breadboard": breadboard_text,
    "wiring-pins": pins_table,
    "wiring-pins-short": short_pins_table,
    "wiring-ascii": ascii_text,
    "wiring-bom": bom_table,
    "wiring-led": led_table,
    "wiring-numbers": numbers_table,
    "wiring-resolution": resolution_text,
    "wiring-lownoise": lownoise_ascii,
}


def render(text: str) -> str:
    """Rewrite every wiring-* generated section of a Markdown text."""
    return generated.render(text, SECTIONS)
