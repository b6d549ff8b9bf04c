"""The circuit diagrams: one schemdraw drawing per variant (the Pico W, the
divider, one output stage), labelled with the header pins and part values from
wiring.calc and wiring.four_wire."""

from __future__ import annotations

from typing import Literal

import schemdraw
import schemdraw.elements as elm
from matplotlib.figure import Figure

from wiring.calc import (
    ADC_PIN,
    DIODE,
    DRAWN_LED,
    GND_PIN,
    MOSFET,
    OUT_PIN,
    R_GATE,
    R_PULLDOWN,
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
    SPEC_PWM_VMAX,
)

Side = Literal["left", "right", "bottom"]


def _pico_pin(name: str, side: Side, anchor: str, pos: float | None = None) -> elm.IcPin:
    """One of the Pico W's pins on its box: its name inside, its header pin outside."""
    return elm.IcPin(name=name, pin=f"pin {pin(name)}", side=side, pos=pos, anchorname=anchor)


def _driven_node(ic: elm.Ic, resistor: float, pull_down: float, gnd_y: float,
                 taps: list[float]) -> tuple[float, float]:
    """GP2 -> a series resistor -> a node pulled down to the ground rail: a transistor's
    gate or base goes here. Returns the node."""
    elm.Line().at(ic.out).right(0.5)
    elm.Resistor().right(3).label(ohms_text(resistor), loc="top")
    node = elm.Dot()
    elm.Resistor().at(node.center).down().toy(gnd_y).label(ohms_text(pull_down), loc="bottom")
    taps.append(node.center[0])
    return node.center[0], node.center[1]


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
            _pico_pin(V33_PIN, "left", "v33", 0.85),
            _pico_pin(ADC_PIN, "left", "adc", 0.35),
            _pico_pin(OUT_PIN, "right", "out", 0.35),
            _pico_pin(GND_PIN, "bottom", "gnd"),
        ]
        if variant == "fan-4wire":
            pico_pins.append(_pico_pin(TACH_PIN, "right", "tach", 0.75))
        if variant == "fan-5v":
            pico_pins.append(_pico_pin(VBUS_PIN, "right", "vbus", 0.85))
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
        title_y = top_y + 2.2
        if variant == "fan-4wire":
            rail_right, title_y = _four_wire(ic, gnd_y, col, taps)
        elif variant == "led":
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
            gate = _driven_node(ic, R_GATE, R_PULLDOWN, gnd_y, taps)
            elm.Line().at(gate).right(1.5)
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
                elm.BatteryCell().down().toy(gnd_y).label("12 V\nsupply", loc="bottom")
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
        elm.Label().at((col - 1.5, title_y)).label(TITLES[variant], halign="left", fontsize=14)
    return d


def _four_wire(ic: elm.Ic, gnd_y: float, col: float, taps: list[float]) -> tuple[float, float]:
    """The 4-wire fan's stages, right of the board: GP2 -> the NPN pulling the fan's
    PWM line low; the fan's tach -> pulled up to 3V3 -> series R (+ C) -> GP3; the fan
    and its 12 V supply. Returns where the ground rail ends and where the title goes."""
    # The tach, upper: GP3 <- the capacitor's node <- series R <- the fan's tach and
    # its pull-up.
    elm.Line().at(ic.tach).right(0.8)
    gp3 = elm.Dot()
    elm.Capacitor().at(gp3.center).down(1.6).label(
        f"{farads_text(C_TACH)}\n(optional)", loc="bottom", fontsize=11
    )
    elm.Ground()
    elm.Resistor().at(gp3.center).right(3).label(ohms_text(R_TACH_SERIES), loc="top")
    tach = elm.Dot()
    rail_3v3 = ic.v33[1] + 2.6  # over the board's top edge
    elm.Resistor().at(tach.center).up().toy(rail_3v3).label(
        ohms_text(R_TACH_PULLUP), loc="bottom", fontsize=11
    )
    # ...from 3V3(OUT), taken at the divider's top and over the board.
    elm.Dot().at((col, ic.v33[1]))
    elm.Line().at((col, ic.v33[1])).toy(rail_3v3)
    elm.Line().tox(tach.center[0]).label("3.3 V", loc="top", fontsize=11)

    # The PWM stage, lower: GP2 -> base resistor -> NPN; the base pulled down.
    base = _driven_node(ic, R_BASE, R_BASE_PULLDOWN, gnd_y, taps)
    elm.Line().at(base).right(1.0)
    q = elm.BjtNpn(circle=True).anchor("base")
    elm.Label().at((q.center[0] + 0.2, q.center[1] - 1.1)).label(
        f"{NPN}\nTO-92: E B C left to\nright, flat face to you\n\n"
        f"inverts: {OUT_PIN} high =\nPWM line low = fan slow",
        halign="left", valign="top", fontsize=11,
    )
    elm.Line().at(q.emitter).toy(gnd_y)
    taps.append(q.emitter[0])

    # The fan, its connector's pins numbered as the Intel spec numbers them.
    wires = {what: (n, colour) for n, what, colour in FAN_CONNECTOR}

    def fan_pin(what: str, side: str, pos: float, anchor: str) -> elm.IcPin:
        n, colour = wires[what]
        return elm.IcPin(name=what, pin=f"{n} {colour}", side=side, pos=pos,
                         anchorname=anchor)

    fan = elm.Ic(
        pins=[
            fan_pin("tach", "left", 0.8, "tach"),
            fan_pin("PWM", "left", 0.5, "pwm"),
            fan_pin("+12 V", "right", 0.8, "v12"),
            fan_pin("GND", "bottom", 0.5, "gnd"),
        ],
        size=(4.0, 5.0), pinspacing=0, leadlen=1.2, plblsize=10, lsize=11, theta=0,
    ).at((tach.center[0] + 3.0, tach.center[1])).anchor("tach").label(
        "4-wire fan\n12 V", fontsize=12, ofst=(0, -0.6)
    )
    elm.Label().at((fan.tach[0] + 1.2, fan.tach[1] + 1.5)).label(
        f"its PWM input is pulled up\ninside the fan, to ≤ {SPEC_PWM_VMAX:g} V",
        halign="left", valign="bottom", fontsize=11,
    )
    elm.Line().at(tach.center).to(fan.tach)
    elm.Wire("|-").at(q.collector).to(fan.pwm)
    elm.Line().at(fan.gnd).toy(gnd_y)
    taps.append(fan.gnd[0])
    # Its own 12 V supply, right of it: the supply's − on the common ground.
    sx = fan.v12[0] + 1.8
    elm.Line().at(fan.v12).tox(sx)
    elm.BatteryCell().down().toy(gnd_y).label("12 V\nsupply", loc="bottom")
    elm.Label().at((ic.gnd[0] + 0.5, gnd_y - 0.5)).label(
        "common ground: the 12 V supply's − is joined to the Pico's GND",
        halign="left", valign="top", fontsize=11,
    )
    return sx, rail_3v3 + 1.2


def figure(variant: str) -> Figure:
    """The drawing on a matplotlib figure (style it first: wiring.figures.style)."""
    fig: Figure = drawing(variant).draw(show=False).getfig()
    return fig
