"""The figures in wiring/README.md: computed by the firmware's own math, checked
here against independent formulas and the electronics' limits."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from wiring_docs import table_rows

from fanctl import thermistor
from fanctl.settings import defaults
from picofan.spec import curve
from wiring import bom, calc, four_wire

ROOT = Path(__file__).resolve().parents[2]
KELVIN = 273.15


def test_numbers_table_covers_minus_10_to_80_and_reads_back() -> None:
    s = defaults()
    rows = table_rows((ROOT / "wiring/README.md").read_text(), "wiring-numbers")
    assert [int(r[0]) for r in rows] == list(range(-10, 81, 5))
    for t, ohms, volts, counts, _ in rows:
        c = int(counts)
        # The firmware, given those counts, reads that temperature back.
        back, r_back, fault = thermistor.measure(c, s)
        assert fault is None and back == pytest.approx(int(t), abs=0.05)
        assert r_back == pytest.approx(float(ohms.replace(",", "")), rel=2e-3)
        assert float(volts) == pytest.approx(c / 65535 * 3.3, abs=1e-3)
    counts = [int(r[3]) for r in rows]
    assert counts == sorted(counts)  # NTC on top: warmer reads higher


def beta_degrees_per_step(t_c: float) -> float:
    # Independently: d(ratio)/dT for Rf/(R+Rf) with the Beta model, one code = 1/4096.
    s = defaults()
    t_k = t_c + KELVIN
    r = s["r0"] * math.exp(s["beta"] * (1 / t_k - 1 / (s["t0"] + KELVIN)))
    rf = s["r_fixed"]
    slope = rf * r * s["beta"] / (t_k * t_k * (r + rf) ** 2)
    return (1 / 4096) / slope


@pytest.mark.parametrize("t_c", [25, 40])
def test_resolution_matches_the_closed_form(t_c: float) -> None:
    assert calc.CODE_STEP == 16
    assert calc.degrees_per_step(t_c) == pytest.approx(beta_degrees_per_step(t_c), rel=0.02)
    text = (ROOT / "wiring/README.md").read_text()
    assert f"**{calc.degrees_per_step(t_c):.3f} °C per ADC step**" in text


def test_fixed_resistor_equal_to_the_ntc_is_steepest() -> None:
    s = defaults()
    best = curve.c_to_ohms(25, s)
    assert best == pytest.approx(s["r_fixed"])
    at_best = calc.counts_per_degree(25, best)
    for rf in (0.5 * best, 0.8 * best, 1.25 * best, 2 * best):
        assert calc.counts_per_degree(25, rf) < at_best


def test_read_u16_scaling() -> None:
    assert calc.read_u16_of_code(0) == 0
    assert calc.read_u16_of_code(4095) == 65535
    assert calc.read_u16_of_code(2048) - calc.read_u16_of_code(2047) in (16, 17)


@pytest.mark.parametrize("led", ["red", "yellow", "green (standard)", "blue / white / true green"])
def test_led_resistor_keeps_the_pin_under_its_drive(led: str) -> None:
    _, vf, vf_low = next(row for row in calc.LEDS if row[0] == led)
    r = calc.led_resistor(vf, vf_low)
    mantissa = r / 10 ** math.floor(math.log10(r))
    assert any(math.isclose(mantissa, e) for e in calc.E12)
    assert (3.3 - vf) / r * 1000 <= calc.LED_TARGET_MA + 1e-9
    assert (3.3 - vf_low) / r * 1000 < calc.GPIO_DRIVE_MA  # worst case, still under 4 mA


def test_drawn_led_resistor_is_680_for_a_red_led() -> None:
    # The one figure a builder copies: (3.3 - 2.0) / 2 mA = 650 -> 680 (E12).
    assert calc.led_resistor(2.0, 1.8) == 680
    assert "**680 Ω**" in (ROOT / "wiring/README.md").read_text()


def test_e12_rounds_up() -> None:
    assert calc.e12_at_least(650) == 680
    assert calc.e12_at_least(680) == 680
    assert calc.e12_at_least(150) == 150
    assert calc.e12_at_least(8300) == 10000
    assert calc.e12_at_least(99) == 100


def test_gate_drive_leaves_the_mosfet_fully_on() -> None:
    # The pull-down and the gate resistor divide the pin's 3.3 V: keep nearly all of it,
    # well above the IRLB8721's 2.35 V worst-case threshold; pull-down within 10-100 kΩ.
    gate = 3.3 * calc.R_PULLDOWN / (calc.R_PULLDOWN + calc.R_GATE)
    assert gate > 3.2 > 2.35 + 0.8
    assert 100 <= calc.R_GATE <= 220
    assert 10e3 <= calc.R_PULLDOWN <= 100e3
    assert 3.3 / calc.R_GATE * 1000 < 20  # the surge into the gate stays modest


def test_bill_of_materials_has_every_drawn_part() -> None:
    parts = " ".join(p.part + " " + p.value for p in bom.parts())
    for needed in (
        calc.MOSFET,
        calc.DIODE,
        "NTC",
        "LED",
        "680 Ω",
        "220 Ω",
        "100 kΩ",
        "10 kΩ",
        "12 V",
    ):
        assert needed in parts, needed
    assert len({p.ref for p in bom.parts()}) == len(bom.parts())


def test_hand_written_steps_use_the_computed_values() -> None:
    # The build steps are prose, so not regenerated: every resistor value they name
    # must be one the script computes, and each part they wire must be named.
    text = (ROOT / "wiring/README.md").read_text()
    steps = text.split("## Build it, step by step", 1)[1].split("\n## ", 1)[0]
    s = defaults()
    computed = {
        calc.ohms_text(v)
        for v in (
            calc.led_resistor(*calc.DRAWN_LED[1:]),
            calc.R_GATE,
            calc.R_PULLDOWN,
            four_wire.R_BASE,
            four_wire.R_BASE_PULLDOWN,
            four_wire.R_TACH_PULLUP,
            four_wire.R_TACH_SERIES,
            s["r_fixed"],
            s["r0"],
        )
    }
    named = set(re.findall(r"\b\d+(?:\.\d+)? k?Ω", steps))
    assert named and named <= computed, named - computed
    for part in (
        calc.MOSFET,
        calc.DIODE,
        calc.ohms_text(calc.R_GATE),
        calc.ohms_text(calc.R_PULLDOWN),
        four_wire.NPN,
        calc.ohms_text(four_wire.R_BASE),
        calc.ohms_text(four_wire.R_TACH_PULLUP),
        calc.farads_text(four_wire.C_TACH),
    ):
        assert part in steps, part


BAND_DIGITS = ["black", "brown", "red", "orange", "yellow", "green", "blue", "violet", "grey",
               "white"]


def decode_bands(bands: list[str]) -> tuple[float, int]:
    """Ohms and tolerance (%) from a resistor's bands, read as the IEC 60062 code."""
    *digits, multiplier, tolerance = bands
    value = int("".join(str(BAND_DIGITS.index(d)) for d in digits))
    return value * 10 ** BAND_DIGITS.index(multiplier), {"gold": 5, "brown": 1}[tolerance]


def test_colour_bands_are_the_standard_code() -> None:
    assert calc.colour_bands(4700, 5) == ("yellow", "violet", "red", "gold")
    assert calc.colour_bands(680, 5) == ("blue", "grey", "brown", "gold")
    assert calc.colour_bands(10000, 1) == ("brown", "black", "black", "red", "brown")
    with pytest.raises(ValueError):
        calc.colour_bands(8037, 5)  # not a value with a 2-digit code


def test_every_resistor_on_a_breadboard_reads_its_value() -> None:
    # A builder picks resistors by their bands: each band list in the breadboard
    # tables decodes to the value printed beside it.
    text = (ROOT / "wiring/README.md").read_text()
    found = re.findall(r"resistor ([\d.]+) (k?)Ω(?: (\d) %)? \(([a-z ]+)\)", text)
    # R1 and R2 for the LED; R1, R3 and R4 for each 2-wire fan; R1 and R5-R8 for the 4-wire
    assert len(found) == 2 + 3 + 3 + 5
    for number, kilo, percent, bands in found:
        ohms, tolerance = decode_bands(bands.split())
        assert ohms == pytest.approx(float(number) * (1000 if kilo else 1)), bands
        assert tolerance == int(percent or 5), bands
