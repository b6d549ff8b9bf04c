"""The 4-wire fan variant: its stage meets the Intel 4-wire fan spec with the
RP2040's pins, its tach input does what wiring/README.md says (checked by
simulating the RC, not by the formulas that wrote the README), and the
firmware's defaults drive it the right way round."""

from __future__ import annotations

import json
import re
from pathlib import Path

import picofan_cli
import pytest
from wiring_docs import table_rows

from fanctl import pins
from fanctl.fan import Fan
from fanctl.settings import defaults
from wiring import bom, breadboard, calc, four_wire

ROOT = Path(__file__).resolve().parents[2]
PWM_FULL = 65535


def numbers() -> dict[str, tuple[str, str]]:
    """The generated table rows in wiring/README.md: first cell -> (figure, against)."""
    rows = table_rows((ROOT / "wiring/README.md").read_text(), "wiring-4wire-numbers")
    return {r[0]: (r[1], r[2]) for r in rows if len(r) == 3}


def figures(cell: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", cell)]


# ---------------------------------------------------------- the PWM stage


def test_the_npn_pulls_the_pwm_line_under_the_specs_low_level() -> None:
    # Independently: the least base current is a weak pin high (2.62 V) less a full
    # Vbe(sat) (0.85 V) across 1 kOhm, less what the base pull-down takes.
    least = (2.62 - 0.85) / 1e3 - 0.85 / 100e3
    most = (3.3 - 0.65) / 1e3
    rows = numbers()
    lo, hi = figures(rows["base current from GP2"][0])
    assert lo == pytest.approx(least * 1000, abs=0.005)
    assert hi == pytest.approx(most * 1000, abs=0.005)
    assert hi < calc.GPIO_DRIVE_MA  # the pin's default drive
    # Saturated at the spec's recommended 8 mA sink: IC/IB within the datasheet's 10.
    assert 8e-3 / least <= 10
    ratio = figures(rows["IC / IB at the recommended 8 mA"][0])
    assert ratio == [pytest.approx(8e-3 / least, abs=0.05)]
    # So the line sits at VCE(sat) <= 0.2 V, under the fan's 0.8 V low level.
    low = figures(rows["the PWM line, low"][0])[0]
    assert low <= 0.2 < 0.8


def test_the_pwm_frequency_is_one_the_spec_accepts() -> None:
    assert four_wire.SPEC_PWM_HZ[0] <= pins.PWM_HZ <= four_wire.SPEC_PWM_HZ[1]
    assert figures(numbers()["PWM frequency, period"][0]) == [pins.PWM_HZ / 1000, 1e6 / pins.PWM_HZ]


def test_a_mosfet_instead_needs_under_160_ohms() -> None:
    # 0.8 V at the fan's 5 mA short-circuit current.
    cell = numbers()["instead of the 2N3904: a MOSFET's on-resistance"][0]
    assert figures(cell)[0] == pytest.approx(0.8 / 5e-3)


class PinEdge:
    """The board edge narrowed to GP2 and GP3: what the firmware asks of the pin."""

    def __init__(self) -> None:
        self.level: int | None = None  # PWM duty at the pin, 0..65535
        self.high: bool | None = None  # GP2 as a plain output

    def fan(self, on: bool) -> None:
        self.high, self.level = on, None

    def fan_pwm(self, level: int) -> None:
        self.level = level

    def tach_count(self) -> int:
        return 0


def fan_duty_through_the_stage(pin_level: int) -> float:
    """What the fan sees, in percent, through the documented NPN stage: while GP2 is
    high the NPN pulls the fan's PWM line low, so the fan sees the pin's low time."""
    return (1 - pin_level / PWM_FULL) * 100


@pytest.mark.parametrize("duty", [0.0, 30.0, 65.0, 100.0])
def test_the_default_settings_drive_the_stage_the_right_way_round(duty: float) -> None:
    s = defaults() | {"output": "pwm", "kick_start_ms": 0}
    assert s["pwm_invert"] == "on"  # the default is for this stage
    edge = PinEdge()
    fan = Fan(edge)
    fan.drive(duty, s, 100)
    assert edge.level is not None
    assert fan_duty_through_the_stage(edge.level) == pytest.approx(duty, abs=0.01)


def test_full_power_leaves_gp2_low_so_the_npn_off() -> None:
    # The fail-safe through this stage is GP2 low (as a reset leaves it, with the pin's
    # pull-down and R6): the NPN off, the fan's line high, 100 %.
    s = defaults() | {"output": "pwm"}
    edge = PinEdge()
    Fan(edge).full(s)
    assert edge.level == 0
    assert fan_duty_through_the_stage(edge.level) == 100


# ---------------------------------------------------------- the tach input


def gp3_voltage(collector_on: list[bool], dt: float, pin_pullup: float) -> list[float]:
    """GP3's voltage, step by step (dt seconds), starting from 3.3 V: the fan's open
    collector on (pulling its wire to 0 V) or off at each step. The network: 3V3 ->
    pull-up -> the tach wire -> series resistor -> GP3 -> capacitor to GND, and the
    pin's own pull-up from 3V3 (ohms)."""
    vdd, c = 3.3, four_wire.C_TACH
    v, out = vdd, []
    for on in collector_on:
        into_c = (vdd - v) / pin_pullup
        if on:  # C empties into the collector through the series resistor
            into_c -= v / four_wire.R_TACH_SERIES
        else:  # and fills from 3V3 through the pull-up and the series resistor
            into_c += (vdd - v) / (four_wire.R_TACH_PULLUP + four_wire.R_TACH_SERIES)
        v += into_c / c * dt
        out.append(v)
    return out


DT = 20e-9  # s: 500 steps per tau of the fast (falling) edge
PULLUPS = four_wire.GPIO_PULL_OHMS  # the pin's own pull-up, both ends of its range


@pytest.mark.parametrize("pin_pullup", PULLUPS)
def test_a_spike_shorter_than_the_readme_says_is_never_counted(pin_pullup: float) -> None:
    row = next(k for k in numbers() if k.startswith("RC corner"))
    spike_us = figures(numbers()[row][1])[1]  # "falling edge: τ 10 µs, 14 µs to 0.8 V"
    assert spike_us == round(four_wire.tach_input().fall_to_vil_us)
    steps = round(spike_us * 1e-6 / DT)
    v = gp3_voltage([True] * steps + [False] * steps, DT, pin_pullup)
    assert min(v) > four_wire.GPIO_VIL  # the pin never saw it low
    v = gp3_voltage([True] * round(steps * 1.3) + [False] * steps, DT, pin_pullup)
    assert min(v) < four_wire.GPIO_VIL  # a pulse a little longer is counted


def crossings(v: list[float]) -> int:
    """Falling edges GP3's Schmitt trigger sees: high above VIH, low below VIL."""
    state, count = True, 0
    for x in v:
        if state and x < four_wire.GPIO_VIL:
            state, count = False, count + 1
        elif not state and x > four_wire.GPIO_VIH:
            state = True
    return count


def square(hz: float, cycles: int) -> list[bool]:
    half = round(0.5 / hz / DT)
    return ([False] * half + [True] * half) * cycles


@pytest.mark.parametrize("pin_pullup", PULLUPS)
def test_the_fastest_tach_and_more_reaches_the_pin_pulse_for_pulse(pin_pullup: float) -> None:
    tach = four_wire.tach_input()
    for hz in (tach.max_tach_hz, tach.max_tach_hz_any_ppr, tach.max_passed_hz):
        assert crossings(gp3_voltage(square(hz, 5), DT, pin_pullup)) == 5, hz
    # and the limit is real: much faster, the slow rising edge no longer reaches VIH
    assert crossings(gp3_voltage(square(2 * tach.max_passed_hz, 5), DT, pin_pullup)) < 5


def test_the_readme_gives_the_fastest_tach_from_the_settings_range() -> None:
    ppr, ppr_max = four_wire.tach_ppr_range()
    assert (ppr, ppr_max) == (defaults()["tach_ppr"], 8)
    cell = numbers()["fastest tach"][0]
    assert figures(cell)[:2] == [pytest.approx(four_wire.FAN_MAX_RPM * ppr / 60, abs=0.5),
                                 pytest.approx(four_wire.FAN_MAX_RPM * ppr_max / 60, abs=0.5)]


def test_the_tach_reads_low_with_the_pins_pull_up_through_the_series_resistor() -> None:
    # Worst case: the strongest pin pull-up (50 kOhm) lifts GP3 above the fan's collector.
    lift = 3.3 * four_wire.R_TACH_SERIES / (50e3 + four_wire.R_TACH_SERIES)
    assert figures(numbers()["tach low at GP3"][0]) == [pytest.approx(lift * 1000, abs=0.5)]
    assert lift < 0.1 < four_wire.GPIO_VIL


# ---------------------------------------------------------- the parts and the docs


def test_the_bill_of_materials_has_the_4_wire_fans_parts() -> None:
    four = [p for p in bom.parts() if "4-wire" in p.used_in]
    text = " ".join(f"{p.part} {p.value}" for p in four)
    for needed in (four_wire.NPN, "1 kΩ", "100 kΩ", "10 kΩ", "10 nF", "4-wire", "12 V"):
        assert needed in text, needed
    drawn = {p.ref for p in breadboard.layout("fan-4wire")}
    listed = {p.ref for p in bom.parts()}
    assert {r for r in drawn if not r.startswith("W")} <= listed


def test_the_bill_of_materials_counts_the_wires_of_the_busiest_layout() -> None:
    most = max(sum(p.kind == "wire" for p in breadboard.layout(v)) for v in calc.VARIANTS)
    wires = next(p for p in bom.parts() if p.ref.startswith("W1"))
    assert wires.ref == f"W1–W{most}" and wires.value.endswith(f"to {most}")


def documented_set_commands() -> list[str]:
    """Every `picofan set ...` command the 4-wire fan's docs give, as written."""
    found = []
    for doc in ("wiring/README.md", "docs/hardware.md"):
        text = (ROOT / doc).read_text()
        found += re.findall(r"`(?:\.venv/bin/)?picofan set ([^`]*output=pwm[^`]*)`", text)
        found += re.findall(r"(?m)^ {4,}(?:\.venv/bin/)?picofan set (.*output=pwm.*)$", text)
    return found


def test_the_documented_command_sets_up_the_4_wire_fan() -> None:
    # As a user runs it, against the virtual Pico: the settings this stage needs.
    commands = documented_set_commands()
    assert len(commands) >= 2  # one in each doc
    for args in set(commands):
        done = picofan_cli.run("set", "--sim", "--json", *args.split())
        assert done.returncode == 0, done.stderr
        got = json.loads(done.stdout)["settings"]
        assert (got["output"], got["tach"], got["pwm_invert"]) == ("pwm", "on", "on"), args

