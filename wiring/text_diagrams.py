"""The circuits as text diagrams, for a terminal: the same pins and values as
the drawings. Each is a `<!-- generated:wiring-... -->` section."""

from __future__ import annotations

from wiring.calc import (
    ADC_PIN,
    AGND_PIN,
    DIODE,
    DRAWN_LED,
    GND_PIN,
    MOSFET,
    OUT_PIN,
    R_GATE,
    R_PULLDOWN,
    TACH_PIN,
    V33_PIN,
    VBUS_PIN,
    VREF_PIN,
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
