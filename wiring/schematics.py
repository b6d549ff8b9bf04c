"""The circuit diagrams: one schemdraw drawing per variant (the Pico W, the
divider, one output stage), labelled with the header pins and part values from
wiring.calc."""

from __future__ import annotations

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
    TITLES,
    V33_PIN,
    VARIANTS,
    VBUS_PIN,
    led_resistor,
    ntc_on_top,
    ohms_text,
    pin,
    settings,
)


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


def figure(variant: str) -> Figure:
    """The drawing on a matplotlib figure (style it first: wiring.figures.style)."""
    fig: Figure = drawing(variant).draw(show=False).getfig()
    return fig
