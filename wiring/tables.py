"""The Markdown the wiring generator owns: the tables, the text diagrams and the
figure links in wiring/README.md, and the short pin table in the root README.
Each is a `<!-- generated:wiring-... -->` section (picofan.spec.generated)."""

from __future__ import annotations

from fanctl import fan, pins, thermistor
from picofan.spec import curve, generated
from wiring import breadboard
from wiring.calc import (
    ADC_PIN,
    AGND_PIN,
    C_TACH,
    DIODE,
    DISSIPATION_MW_PER_K,
    DNL_CODES,
    DNL_MAX_LSB,
    DRAWN_LED,
    FAN_CONNECTOR,
    FAN_MAX_RPM,
    GND_PIN,
    GPIO_DRIVE_MA,
    GPIO_HYSTERESIS,
    GPIO_PULL_OHMS,
    GPIO_VIH,
    GPIO_VIL,
    GPIO_VOH_MIN,
    LED_MAX_MA,
    LED_TARGET_MA,
    LEDS,
    MOSFET,
    NOISE_LSB_RMS,
    NPN,
    NPN_SAT_BETA,
    NPN_SWITCH_NS,
    NPN_VBE_SAT,
    NPN_VCE_SAT,
    NPN_VCEO,
    OUT_PIN,
    R_BASE,
    R_BASE_PULLDOWN,
    R_GATE,
    R_PULLDOWN,
    R_TACH_PULLUP,
    R_TACH_SERIES,
    SPEC_PWM_HZ,
    SPEC_PWM_IMAX_MA,
    SPEC_PWM_VIL,
    SPEC_PWM_VMAX,
    SPEC_SINK_MA,
    TABLE_TEMPS,
    TACH_PIN,
    TITLES,
    V33_PIN,
    VARIANTS,
    VBUS_PIN,
    VDD,
    VREF_PIN,
    counts_at,
    counts_per_degree,
    degrees_per_step,
    farads_text,
    led_ma,
    led_resistor,
    ntc_on_top,
    ohms_text,
    parts,
    pin,
    pwm_stage,
    read_u16_of_code,
    rpm_at,
    self_heating_mw,
    settings,
    tach_input,
    tach_ppr_range,
)

DOCS = ("wiring/README.md", "README.md", "docs/hardware.md")  # relative to the repository root


def _header_row(*cells: str) -> list[str]:
    return ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]


def pins_table() -> str:
    """Every header pin the circuit uses, with what goes on it in each variant."""
    rows = _header_row("pin", "name", "LED", "5 V fan", "12 V fan", "4-wire fan")
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
    rows = _header_row("Pico W pin", "name", "connect")
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


def four_wire_numbers() -> str:
    """The 4-wire fan's stage and tach input, computed (wiring.calc) and set against
    the Intel 4-wire fan spec and the RP2040's and the 2N3904's datasheets."""
    stage, tach = pwm_stage(), tach_input()
    ppr, ppr_max = tach_ppr_range()
    lo_v, hi_v = NPN_VBE_SAT
    pull_lo, pull_hi = (ohms_text(r) for r in GPIO_PULL_OHMS)
    rpm_step = 60000 / (ppr * fan.RPM_WINDOW_MS)
    pwm = _header_row("the PWM stage", "figure", "against")
    pwm += [
        f"| PWM frequency, period | {pins.PWM_HZ / 1000:g} kHz, {stage.period_us:g} µs | "
        f"the spec: {SPEC_PWM_HZ[0] / 1000:g}–{SPEC_PWM_HZ[1] / 1000:g} kHz |",
        f"| base current from {OUT_PIN} | {stage.base_ma_min:.2f}–{stage.base_ma_max:.2f} mA "
        f"| the pin's {GPIO_DRIVE_MA:g} mA default drive; least: the pin high at its "
        f"lowest {GPIO_VOH_MIN:g} V, Vbe {hi_v:g} V, less what {ohms_text(R_BASE_PULLDOWN)} "
        f"takes; most: 3.3 V, Vbe {lo_v:g} V |",
        f"| collector current | ≤ {stage.sink_ma:g} mA | the fan's pull-up sources at "
        f"most {SPEC_PWM_IMAX_MA:g} mA; the spec asks a controller to sink 5, and "
        f"recommends {SPEC_SINK_MA:g} |",
        f"| IC / IB at the recommended {SPEC_SINK_MA:g} mA | {stage.forced_beta:.1f} | "
        f"≤ {NPN_SAT_BETA}, where the {NPN}'s datasheet gives VCE(sat) ≤ "
        f"{NPN_VCE_SAT:g} V: saturated |",
        f"| the PWM line, low | ≤ {stage.line_low_v:g} V | the fan reads low below "
        f"{SPEC_PWM_VIL:g} V: {stage.line_margin_v:.1f} V to spare |",
        f"| the PWM line, high | the fan's own pull-up, ≤ {SPEC_PWM_VMAX:g} V | on the "
        f"collector only ({NPN} VCEO {NPN_VCEO:g} V); no Pico pin is on this line |",
        f"| turn-off time | ≤ {NPN_SWITCH_NS[1]} ns, {stage.turn_off_pct:.1f} % of a "
        f"period | one duty step of 1 % is {stage.period_us * 10:g} ns (datasheet figure, "
        "at 10 mA) |",
        f"| power in {NPN} | ≤ {stage.dissipation_mw:.1f} mW | collector and base, "
        "on the whole time; a TO-92 takes 625 mW |",
        f"| instead of the {NPN}: a MOSFET's on-resistance | ≤ {stage.fet_max_ohms:.0f} Ω "
        f"at {GPIO_VOH_MIN:g} V on its gate | {SPEC_PWM_VIL:g} V / {SPEC_PWM_IMAX_MA:g} mA |",
    ]
    tach_rows = _header_row("the tach input", "figure", "against")
    tach_rows += [
        f"| GP3's thresholds | low < {GPIO_VIL:g} V, high > {GPIO_VIH:g} V, "
        f"hysteresis ≥ {GPIO_HYSTERESIS:g} V | the RP2040's datasheet, at 3.3 V, Schmitt "
        "trigger on (as at reset) |",
        f"| tach high | {tach.high_v:g} V | from 3V3 only: the fan's open collector can "
        f"only pull down, so its 12 V never reaches {TACH_PIN} |",
        f"| pull-up current, tach low | {tach.pullup_ma:.2f} mA + ≤ "
        f"{tach.pin_pullup_ma:.3f} mA | {ohms_text(R_TACH_PULLUP)} from 3.3 V, and the "
        f"pin's own pull-up ({pull_lo}–{pull_hi}, on in the firmware) through "
        f"{ohms_text(R_TACH_SERIES)} |",
        f"| tach low at {TACH_PIN} | the fan's collector + ≤ {tach.offset_v * 1000:.0f} mV | "
        f"reads low while the collector is under {tach.collector_max_v:.2f} V: any "
        "saturated transistor is |",
        f"| RC corner, {ohms_text(R_TACH_SERIES)} × {farads_text(C_TACH)} | "
        f"{tach.corner_hz / 1000:.1f} kHz | falling edge: τ {tach.fall_tau_us:.0f} µs, "
        f"{tach.fall_to_vil_us:.0f} µs to {GPIO_VIL:g} V: a shorter low spike (from the "
        "PWM wire beside the tach wire) is never counted |",
        f"| rising edge, {ohms_text(R_TACH_PULLUP + R_TACH_SERIES)} × "
        f"{farads_text(C_TACH)} | τ {tach.rise_tau_us:.0f} µs (corner "
        f"{tach.rise_corner_hz / 1000:.2f} kHz) | {tach.rise_to_vih_us:.0f} µs to "
        f"{GPIO_VIH:g} V, {tach.rise_10_90_us:.0f} µs from 10 % to 90 %; the hysteresis "
        "keeps a slow edge to one count |",
        f"| fastest tach | {tach.max_tach_hz:.0f} Hz ({tach.max_tach_hz_any_ppr:.0f} Hz at "
        f"`tach_ppr` {ppr_max}) | {FAN_MAX_RPM:,} rpm at {ppr} pulses per revolution; "
        f"a half period of {500 / tach.max_tach_hz:.1f} ms "
        f"({500000 / tach.max_tach_hz_any_ppr:.0f} µs) is far longer than either edge |",
        f"| fastest tach the RC passes | {tach.max_passed_hz / 1000:.1f} kHz | "
        f"about {round(rpm_at(tach.max_passed_hz), -3):,.0f} rpm at {ppr} pulses per "
        "revolution |",
        f"| rpm resolution | about {rpm_step:g} rpm | one pulse at {ppr} pulses per "
        f"revolution: the firmware counts pulses over whole samples until "
        f"{fan.RPM_WINDOW_MS} ms have passed ({fan.RPM_WINDOW_MS}–"
        f"{fan.RPM_WINDOW_MS + settings()['sample_ms']} ms at the default `sample_ms`) "
        "and divides by the time they took |",
    ]
    return "\n".join(pwm) + "\n\n" + "\n".join(tach_rows)


def four_wire_hookup() -> str:
    """docs/hardware.md's summary of the 4-wire fan's wiring: every connection, from
    the Pico's pins and the fan's connector, with the part in between."""
    wire = {what: f"fan #{n}, {what} ({colour})" for n, what, colour in FAN_CONNECTOR}
    npn = f"{NPN}"

    def at(name: str) -> str:
        return f"{name} (pin {pin(name)})"

    rows = _header_row("from", "through", "to")
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


def _driver(g: _Grid, row: int, base: int, resistor: float, pull_down: float, device: str,
            lower: str, ground: str) -> int:
    """A transistor stage as text, in rows row..row+2: GP2 -> resistor -> the control
    node, pulled down to GND -> the transistor (`device`, its control lead first);
    `lower` is its lead down to GND, `ground` what the GND line ends with. Returns the
    transistor's column, for what the caller draws above it."""
    rs = f"── {ohms_text(resistor)} ──"
    node = base + len(rs)  # the control node and its pull-down
    col = node + len(ohms_text(pull_down)) + 4
    g.put(row, 0, _label(OUT_PIN))
    g.put(row, base, rs + "┬")
    g.hline(row, node + 1, col - 2)
    g.put(row, col - 2, device)
    g.put(row + 1, node, f"▯ {ohms_text(pull_down)}")
    g.put(row + 1, col, lower)
    g.put(row + 2, 0, _label(GND_PIN))
    g.hline(row + 2, base, col)
    g.put(row + 2, node, "┴")
    g.put(row + 2, col, ground)
    return col


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
    f = _driver(fan, 6, base, R_GATE, R_PULLDOWN, f"G[Q1] {MOSFET}", "│S",
                "┴── ⏚   (and a 12 V supply's −)")  # the fan / drain / source column
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
    blocks += ["", f"output (c), a 4-wire fan (Q2 {NPN}: E emitter, B base, C collector):",
               *_four_wire_ascii()]
    return "```text\n" + "\n".join(blocks) + "\n```"


def _four_wire_ascii() -> list[str]:
    """The 4-wire fan's two stages as text: GP2's NPN on the fan's PWM wire, and the
    tach into GP3. The fan's connector pins are "fan #4" etc. (not "pin 4": in these
    docs a "pin" is the Pico's)."""
    wires = {what: f"fan #{n}, {what} ({colour})" for n, what, colour in FAN_CONNECTOR}
    names = (OUT_PIN, TACH_PIN, GND_PIN, V33_PIN)
    base = max(len(_label(n)) for n in names) + 1
    g = _Grid()
    q = _driver(g, 2, base, R_BASE, R_BASE_PULLDOWN, f"B[Q2] {NPN}", "│E",
                f"┴── ⏚   (and {wires['GND']}, and the 12 V supply's −)")  # C and E
    g.put(0, q, f"┌── {wires['PWM']}, pulled up inside the fan")
    g.put(1, q, "│C")
    g.put(5, 0, "12 V supply +")
    g.hline(5, base, q + 3)
    g.put(5, q + 4, wires["+12 V"])

    t = _Grid()
    rs = f"── {ohms_text(R_TACH_SERIES)} ──"
    pu = f"── {ohms_text(R_TACH_PULLUP)} ──"
    node = base + 3 + max(len(rs), len(pu))  # the tach wire's node
    t.put(0, 0, _label(V33_PIN))
    t.put(0, base, pu)
    t.hline(0, base + len(pu), node)
    t.put(0, node, "┐")
    t.put(1, node, f"├── {wires['tach']}, open collector")
    t.put(2, 0, _label(TACH_PIN))
    t.put(2, base, "──┬" + rs)
    t.hline(2, base + 3 + len(rs), node)
    t.put(2, node, "┘")
    t.put(3, base + 2, f"═ {farads_text(C_TACH)} (optional)")
    t.put(4, 0, _label(GND_PIN))
    t.put(4, base, "──┴── ⏚")
    return [*g.text(), "", "its tach:", *t.text()]


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
    "wiring-4wire-numbers": four_wire_numbers,
    "wiring-4wire-hookup": four_wire_hookup,
}


def render(text: str) -> str:
    """Rewrite every wiring-* generated section of a Markdown text."""
    return generated.render(text, SECTIONS)
