"""The picture of a circuit on a breadboard: the board, the Pico W and every part
where wiring.breadboard's layout puts its leads, drawn from above (matplotlib)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch, Polygon, Rectangle

from wiring.breadboard import (
    COLUMNS,
    PICO_LEFT,
    PICO_PINS_PER_SIDE,
    PICO_RIGHT,
    PICO_TOP_ROW,
    RAILS,
    ROWS,
    Hole,
    Placed,
    X,
    layout,
    pico_hole,
)
from wiring.calc import (
    ADC_PIN,
    GND_PIN,
    OUT_PIN,
    TACH_PIN,
    TITLES,
    V33_PIN,
    VBUS_PIN,
    pin,
)

BOARD = "#f4f1ea"
HOLE = "#4a4a4a"
PICO_GREEN = "#1f7a3a"
PAD = "#d4af37"
LEAD = "#8c8c8c"
WIRE = {"black": "#222222", "red": "#d62728", "green": "#2ca02c", "yellow": "#e6b800",
        "blue": "#1f5fd6", "orange": "#ff7f0e"}
BAND = {
    "black": "#000000", "brown": "#7b3f00", "red": "#d62728", "orange": "#ff7f0e",
    "yellow": "#f5d000", "green": "#2ca02c", "blue": "#1f5fd6", "violet": "#8a2be2",
    "grey": "#6a6a6a", "white": "#ffffff", "gold": "#c8a400",
}
LABEL_SIZE, LABEL_COLOUR = 8, "#222222"
INCH_PER_PITCH = 0.24


def _points_per_pitch(ax: plt.Axes) -> float:
    return INCH_PER_PITCH * 72


def _board(ax: plt.Axes) -> None:
    top, bottom = 0.4, -(ROWS + 0.6)
    ax.add_patch(FancyBboxPatch((-4.2, bottom), 19.4, top - bottom,
                                boxstyle="round,pad=0,rounding_size=0.6",
                                facecolor=BOARD, edgecolor="#b8b2a4", lw=1))
    ax.add_patch(Rectangle((4.6, bottom + 0.3), 1.8, top - bottom - 0.6,
                           facecolor="#e2ddd1", edgecolor="none"))  # the centre channel
    holes = [(x, -row) for row in range(1, ROWS + 1) for x in [*X.values(), *RAILS.values()]]
    # One marker, used at every hole: a small SVG.
    ax.plot(*zip(*holes, strict=True), ls="none", marker="s", ms=0.34 * _points_per_pitch(ax),
            mew=0, color=HOLE, zorder=1)
    for row in range(1, ROWS + 1):
        for x in (-4.0, 15.0):
            ax.text(x, -row, str(row), ha="center", va="center", fontsize=6, color="#555555")
    for c in COLUMNS:
        for y in (0.0, -(ROWS + 0.45)):
            ax.text(X[c], y, c, ha="center", va="center", fontsize=7, color="#555555")
    for name, x in RAILS.items():
        colour = WIRE["red"] if "+" in name else "#1f5fd6"
        edge = x - 0.5 if x in (RAILS["left +"], RAILS["right −"]) else x + 0.5
        ax.plot([edge, edge], [-0.6, -(ROWS + 0.4)], color=colour, lw=1.2)
        for y in (0.0, -(ROWS + 0.45)):
            ax.text(x, y, name.split()[1], ha="center", va="center", fontsize=9,
                    color=colour, fontweight="bold")


def _pico(ax: plt.Axes, used: dict[int, str]) -> None:
    left, right = X[PICO_LEFT], X[PICO_RIGHT]
    first, last = PICO_TOP_ROW, PICO_TOP_ROW + PICO_PINS_PER_SIDE - 1
    ax.add_patch(Rectangle((left - 0.63, -last - 0.54), right - left + 1.26,
                           last - first + 1.08, facecolor=PICO_GREEN, edgecolor="#0f4a22",
                           lw=1, zorder=3))
    ax.add_patch(Rectangle(((left + right) / 2 - 1.5, -first + 0.3), 3.0, 0.9,
                           facecolor="#c0c0c0", edgecolor="#808080", lw=1, zorder=4))
    ax.text((left + right) / 2, -first + 0.75, "USB", ha="center", va="center", fontsize=6,
            zorder=5)
    ax.text((left + right) / 2, -(first + last) / 2 - 5.0, "Raspberry Pi Pico W", rotation=90,
            ha="center", va="center", fontsize=10, color="white", zorder=5)
    pads = [pico_hole(n) for n in range(1, 2 * PICO_PINS_PER_SIDE + 1)]
    ax.plot([h.x for h in pads], [h.y for h in pads], ls="none", marker="o",
            ms=0.44 * _points_per_pitch(ax), mfc=PAD, mec="#8a6d00", mew=0.6, zorder=4)
    rows = [pico_hole(n).row for n in used]
    for n, name in sorted(used.items()):
        h = pico_hole(n)
        inward = 1 if h.column == PICO_LEFT else -1
        # Two labels in one row (one from each side) would run into each other:
        # the left one a little above its pin, the right one a little below.
        shift = 0.22 * inward if rows.count(h.row) > 1 else 0.0
        ax.text(h.x + 0.45 * inward, h.y + shift, f"{name} (pin {n})", ha="left" if inward > 0
                else "right", va="center", fontsize=7, color="white", zorder=5)


def _end(ax: plt.Axes, h: Hole, colour: str) -> None:
    ax.add_patch(Circle((h.x, h.y), 0.2, facecolor=colour, edgecolor="black", lw=0.5,
                        zorder=8))


def _along(a: Hole, b: Hole, t: float) -> tuple[float, float]:
    return a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t


def _strip(a: Hole, b: Hole, s0: float, s1: float, width: float) -> list[tuple[float, float]]:
    """The corners of a band across the line a-b, from s0 to s1 along it (0 = midway)."""
    dx, dy = b.x - a.x, b.y - a.y
    span = (dx * dx + dy * dy) ** 0.5
    ux, uy = dx / span, dy / span  # along
    nx, ny = -uy * width / 2, ux * width / 2  # across, half the width
    cx, cy = _along(a, b, 0.5)
    return [(cx + ux * s0 + nx, cy + uy * s0 + ny), (cx + ux * s1 + nx, cy + uy * s1 + ny),
            (cx + ux * s1 - nx, cy + uy * s1 - ny), (cx + ux * s0 - nx, cy + uy * s0 - ny)]


def _body(ax: plt.Axes, a: Hole, b: Hole, length: float, width: float, colour: str,
          bands: tuple[str, ...] = ()) -> None:
    """A part's body centred between two holes, with colour bands from the a end;
    the last band (a resistor's tolerance) sits apart, at the b end."""
    half = length / 2
    ax.add_patch(Polygon(_strip(a, b, -half, half, width), closed=True, facecolor=colour,
                         edgecolor="#555555", lw=0.6, zorder=7))
    if not bands:
        return
    step = length / (len(bands) + 2)
    starts = [-half + step * (i + 0.6) for i in range(len(bands) - 1)]
    starts.append(half - step * 1.1)
    for band, s0 in zip(bands, starts, strict=True):
        ax.add_patch(Polygon(_strip(a, b, s0, s0 + step * 0.55, width), closed=True,
                             facecolor=BAND[band], edgecolor="none", zorder=7.5))


def _label(ax: plt.Axes, xy: tuple[float, float], text: str, ha: str = "left") -> None:
    ax.text(*xy, text, ha=ha, va="center", zorder=9,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                  "alpha": 0.85}, fontsize=LABEL_SIZE, color=LABEL_COLOUR)


Note = tuple[tuple[float, float], str]  # a part's (x, y) and its label in the margin
NOTE_X = 16.2


def _notes(ax: plt.Axes, notes: list[Note]) -> None:
    """Labels in the right margin, top to bottom, each joined to its part by a line."""
    y_free = 1.0
    for (x, y), text in sorted(notes, key=lambda n: -n[0][1]):
        at = min(y, y_free - 0.95)
        y_free = at
        ax.plot([x, NOTE_X - 0.15], [y, at], color="#9a9a9a", lw=0.6, ls=(0, (2, 2)),
                zorder=2.5)
        ax.text(NOTE_X, at, text, ha="left", va="center", fontsize=LABEL_SIZE, color=LABEL_COLOUR)


def _draw(ax: plt.Axes, p: Placed) -> Note | None:
    holes = [h for _, h in p.leads]
    a, b = holes[0], holes[-1]
    if p.kind == "wire":
        ax.plot([a.x, b.x], [a.y, b.y], color=WIRE[p.colour], lw=3.2, solid_capstyle="round",
                zorder=6)
        for h in holes:
            _end(ax, h, WIRE[p.colour])
        return None
    if p.kind == "pico":
        return None
    if p.kind == "mosfet":
        top, bottom = holes[0].y + 0.9, holes[-1].y - 0.9
        ax.add_patch(Rectangle((a.x + 0.25, bottom), 0.7, top - bottom, facecolor="#222222",
                               zorder=7))  # the body, printed side toward the channel
        ax.add_patch(Rectangle((a.x + 0.95, bottom), 0.2, top - bottom, facecolor="#b0b0b0",
                               edgecolor="#707070", lw=0.5, zorder=7))  # the metal tab
        for name, h in p.leads:
            _end(ax, h, LEAD)
            ax.text(a.x + 0.6, h.y, name, ha="center", va="center", fontsize=7,
                    fontweight="bold", color="white", zorder=9)
        _label(ax, (a.x - 0.5, bottom - 0.6), p.label, ha="right")
        return None
    if p.kind == "npn":
        top, bottom = holes[0].y + 0.75, holes[-1].y - 0.75
        # TO-92 from above: a half disc, its flat face toward the centre channel.
        flat, cy, ry = a.x - 0.45, (top + bottom) / 2, (top - bottom) / 2
        arc = [(flat + 0.95 * math.cos(t), cy + ry * math.sin(t))
               for t in (math.pi * (k / 24 - 0.5) for k in range(25))]
        ax.add_patch(Polygon(arc, closed=True, facecolor="#222222", zorder=7))
        for name, h in p.leads:
            _end(ax, h, LEAD)
            ax.text(a.x + 0.62, h.y, name, ha="left", va="center", fontsize=7,
                    fontweight="bold", color=LABEL_COLOUR, zorder=9)
        _label(ax, (a.x - 0.7, bottom - 0.6), p.label, ha="right")
        return None
    if p.kind in ("fan", "fan4", "supply"):
        _draw_offboard(ax, p)
        return None
    ax.plot([a.x, b.x], [a.y, b.y], color=LEAD, lw=1.4, zorder=6)
    for h in holes:
        _end(ax, h, LEAD)
    mid = _along(a, b, 0.5)
    span = abs(complex(b.x - a.x, b.y - a.y))
    if p.kind == "resistor":
        _body(ax, a, b, min(2.2, 0.7 * span), 0.6, "#e8d3a8", p.bands)
        if min(a.x, b.x) < X["f"]:  # across the channel: room above it, under the Pico
            _label(ax, (mid[0], mid[1] + 0.72), p.label, ha="center")
            return None
        return mid, p.label
    if p.kind == "ntc":
        ax.add_patch(Circle(mid, 0.42, facecolor="#2b2b2b", edgecolor="black", zorder=7))
        return mid, p.label
    if p.kind == "led":
        ax.add_patch(Circle(mid, 0.55, facecolor=WIRE["red"], edgecolor="#7a0000", alpha=0.9,
                            zorder=7))
        ax.text(a.x, a.y + 0.55, "+", ha="center", va="center", fontsize=9,
                fontweight="bold", zorder=9)
        return mid, p.label
    if p.kind == "capacitor":
        ax.add_patch(Ellipse(mid, 0.8, 0.55, angle=math.degrees(math.atan2(b.y - a.y, b.x - a.x)),
                             facecolor="#d9892b", edgecolor="#8a5210", lw=0.6, zorder=7))
        _label(ax, (mid[0], mid[1] - 0.62), p.label, ha="center")
        return None
    if p.kind == "diode":
        length = min(1.6, 0.7 * span)
        _body(ax, a, b, length, 0.5, "#222222")
        ax.add_patch(Polygon(_strip(a, b, length / 2 - 0.4, length / 2 - 0.2, 0.5),
                             closed=True, facecolor="#d0d0d0", zorder=8))  # the band
        return mid, p.label
    raise ValueError(p.kind)


def _fan_body(ax: plt.Axes, cx: float, cy: float, label: str) -> None:
    """A fan seen from the front, centred at (cx, cy), labelled on its left."""
    ax.add_patch(Rectangle((cx - 1.8, cy - 1.8), 3.6, 3.6, facecolor="#3a3a3a",
                           edgecolor="black", zorder=6))
    ax.add_patch(Circle((cx, cy), 1.5, facecolor="#555555", edgecolor="#222222", zorder=6))
    ax.text(cx, cy, "M", ha="center", va="center", fontsize=12, color="white", zorder=7)
    _label(ax, (cx - 2.2, cy), label, ha="right")


def _draw_offboard(ax: plt.Axes, p: Placed) -> None:
    """The fan and the 12 V supply sit off the board, their wires plugged in."""
    if p.kind == "fan4":
        cx, cy = 8.6, -(ROWS + 4.2)
        _fan_body(ax, cx, cy, f"{p.ref} {p.what.split(':')[0]}")
        # The wires leave the connector side by side, each toward its hole.
        for i, (name, h) in enumerate(sorted(p.leads, key=lambda lead: lead[1].x)):
            colour = WIRE[name.split()[-1]]
            sx, sy = cx - 1.2 + 0.8 * i, cy + 1.8
            ax.plot([sx, h.x], [sy, h.y], color=colour, lw=2.4, zorder=6)
            _end(ax, h, colour)
            ax.text(sx + 0.15, sy + 0.35, name.split()[0], ha="left", va="center",
                    fontsize=6, color=LABEL_COLOUR, zorder=9)
        return
    if p.kind == "fan":
        cx, cy = 10.0, -(ROWS + 4.2)
        _fan_body(ax, cx, cy, f"{p.ref} {p.what}")
        starts = {"black": (cx - 0.6, cy + 1.5), "red": (cx + 0.6, cy + 1.5)}
    else:
        cx, cy = 18.4, -(ROWS - 0.5)
        ax.add_patch(Rectangle((cx - 1.2, cy - 1.6), 2.4, 3.2, facecolor="#2f2f2f",
                               edgecolor="black", zorder=6))
        ax.text(cx, cy, "12 V\nsupply", ha="center", va="center", fontsize=7, color="white",
                zorder=7)
        starts = {"+ (red)": (cx - 1.2, cy + 1.0), "− (black)": (cx - 1.2, cy - 0.9)}
    for name, h in p.leads:
        colour = WIRE["black"] if "black" in name else WIRE["red"]
        sx, sy = starts[name]
        ax.plot([sx, h.x], [sy, h.y], color=colour, lw=2.4, zorder=6)
        _end(ax, h, colour)


def figure(variant: str) -> Figure:
    """The breadboard for one variant (style it first: wiring.figures.style)."""
    placed = layout(variant)
    used = {pin(n): n for n in (V33_PIN, ADC_PIN, OUT_PIN, GND_PIN)}
    if variant == "fan-5v":
        used[pin(VBUS_PIN)] = VBUS_PIN
    if variant == "fan-4wire":
        used[pin(TACH_PIN)] = TACH_PIN
    offboard = any(p.kind in ("fan", "fan4", "supply") for p in placed)
    width, top, bottom = 29.0, 2.2, -(ROWS + (7.0 if offboard else 1.2))
    fig = plt.figure(figsize=(width * INCH_PER_PITCH, (top - bottom) * INCH_PER_PITCH))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-4.8, width - 4.8)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")
    _board(ax)
    _pico(ax, used)
    notes = [note for p in placed if (note := _draw(ax, p)) is not None]
    _notes(ax, notes)
    ax.text(-4.2, 1.6, TITLES[variant].replace("picofan: ", "picofan on a breadboard: "),
            ha="left", va="center", fontsize=11)
    return fig
