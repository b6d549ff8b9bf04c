"""The breadboard layouts in wiring/README.md connect what the schematics connect.

The tests read what a builder reads, the hole tables and the pictures, and rebuild
the connections with a breadboard's own rules: the five holes a-e (or f-j) of a row
are joined, a rail is joined along its length, and the Pico's pins sit in the holes
its pinout (the datasheet, not picofan's code) puts them in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pico_pinout import DATASHEET
from wiring_docs import svg_texts, swap_texts

from fanctl.settings import defaults
from picofan.spec import doc_sections
from picofan.spec.header import HEADER

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ("led", "fan-5v", "fan-12v", "fan-4wire")
HOLE = re.compile(r"([a-j])(\d+)")
RAIL = re.compile(r"(left|right) ([+−]) rail")
PICO = re.compile(r"pins (\d+)–(\d+): ([a-j])(\d+)–([a-j])(\d+)")
PICO_PINS = set(DATASHEET.values())


# ------------------------------------------------------------- the circuit


def circuit(variant: str) -> list[set[str]]:
    """The schematic's nets, as a builder reads the drawings. A lead of a part that
    fits either way round is REF.*; a named lead is REF.name, as the table names it.
    Every Pico pin not listed must connect to nothing."""
    if defaults()["divider"] == "ntc_to_3v3":
        top, bottom = "TH1.*", "R1.*"
    else:
        top, bottom = "R1.*", "TH1.*"
    nets = [{"3V3(OUT)", top}, {"GP26/ADC0", top, bottom}]
    if variant == "led":
        return [*nets, {"GND", bottom, "D2.short leg"}, {"GP2", "R2.*"}, {"R2.*", "D2.long leg"}]
    if variant == "fan-4wire":
        # The fan's connector pins by the Intel spec's numbers: #1 GND, #2 +12 V,
        # #3 tach, #4 PWM. 3V3 also feeds the tach pull-up.
        nets[0] |= {"R7.*"}
        return [
            *nets,
            {"GND", bottom, "R6.*", "Q2.E", "C2.*", "M2.#1 black", "PS1.− (black)"},
            {"GP2", "R5.*"},
            {"R5.*", "R6.*", "Q2.B"},
            {"Q2.C", "M2.#4 blue"},
            {"GP3", "R8.*", "C2.*"},
            {"R8.*", "R7.*", "M2.#3 green"},
            {"PS1.+ (red)", "M2.#2 yellow"},
        ]
    gnd = {"GND", bottom, "R4.*", "Q1.S"}
    nets += [{"GP2", "R3.*"}, {"R3.*", "R4.*", "Q1.G"}, {"Q1.D", "M1.black", "D1.anode"}]
    if variant == "fan-5v":
        return [*nets, gnd, {"VBUS", "D1.band", "M1.red"}]
    return [*nets, gnd | {"PS1.− (black)"}, {"PS1.+ (red)", "D1.band", "M1.red"}]


def expected_nets(variant: str) -> list[tuple[str, ...]]:
    nets = circuit(variant)
    named = set().union(*nets)
    alone = [{name} for name in PICO_PINS if name not in named]
    return sorted(tuple(sorted(net)) for net in [*nets, *alone])


# ------------------------------------------------------------- the tables


def breadboard_tables() -> dict[str, list[tuple[str, str]]]:
    """Each variant's table in wiring/README.md: (ref, where its leads go) per part."""
    section = doc_sections.body((ROOT / "wiring/README.md").read_text(), "wiring-breadboard")
    tables = {}
    for block in section.split("\n### ")[1:]:
        variant = re.search(r"picofan-breadboard-([\w-]+)\.svg", block)
        assert variant, block[:80]
        rows = []
        for line in block.splitlines():
            m = re.fullmatch(r"\| \d+ \| \*\*(\S+)\*\* [^|]+ \| ([^|]+) \|", line)
            if m:
                rows.append((m.group(1), m.group(2)))
        tables[variant.group(1)] = rows
    return tables


def node(hole: str) -> str:
    """What a hole is joined to: its half-row, or its whole rail."""
    if m := RAIL.fullmatch(hole):
        return f"{m.group(1)} {m.group(2)} rail"
    m = HOLE.fullmatch(hole)
    assert m, hole
    return f"row {m.group(2)} {'a-e' if m.group(1) in 'abcde' else 'f-j'}"


def pico_holes(cell: str) -> dict[int, str]:
    """pin number -> hole, from "pins 1–20: c1–c20, pins 21–40: h20–h1"."""
    holes = {}
    for first, last, col, row0, col1, row1 in PICO.findall(cell):
        first, last, row0, row1 = int(first), int(last), int(row0), int(row1)
        assert col == col1 and abs(row1 - row0) == last - first, cell
        step = 1 if row1 > row0 else -1
        for i, n in enumerate(range(first, last + 1)):
            holes[n] = f"{col}{row0 + i * step}"
    assert sorted(holes) == list(range(1, 41)), cell
    return holes


def built_nets(rows: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The nets a breadboard built from the table has: every part lead and Pico pin,
    grouped by what joins them. Leads without a name read as REF.*."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    def join(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    terminals: list[tuple[str, str]] = []  # (terminal, node)
    for ref, cell in rows:
        if ref == "U1":
            for number, hole in pico_holes(cell).items():
                # The Pico joins its own GND pins; each other pin is itself.
                terminals.append((DATASHEET[number], node(hole)))
            continue
        leads = cell.split(", ")
        for lead in leads:
            name, _, hole = lead.rpartition(": ")
            if ref.startswith("W"):
                continue
            terminals.append((f"{ref}.{name or '*'}", node(hole)))
        if ref.startswith("W"):
            assert len(leads) == 2, (ref, cell)
            join(node(leads[0]), node(leads[1]))
    first: dict[str, str] = {}
    for name, where in terminals:
        if name == "GND":  # the Pico's GND pins, joined on the board
            join(first.setdefault(name, where), where)
    nets: dict[str, list[str]] = {}
    for name, where in terminals:
        net = nets.setdefault(find(where), [])
        if name not in PICO_PINS or name not in net:  # one GND, however many pins
            net.append(name)
    return sorted(tuple(sorted(net)) for net in nets.values())


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_layout_connects_what_the_schematic_does(variant: str) -> None:
    rows = breadboard_tables()[variant]
    assert rows[0][0] == "U1"
    assert built_nets(rows) == expected_nets(variant)


def moved(variant: str, part: str, old: str, new: str) -> list[tuple[str, str]]:
    """A variant's table with one part's hole changed, as a builder might misplace it."""
    rows = breadboard_tables()[variant]
    out = [(ref, cell.replace(old, new)) if ref == part else (ref, cell) for ref, cell in rows]
    assert out != rows
    return out


def test_the_layout_check_catches_a_lead_one_row_off() -> None:
    # R1 one row down: into the row of the Pico's RUN pin instead of GP26's.
    built = built_nets(moved("led", "R1", "j10,", "j11,"))
    assert built != expected_nets("led")
    assert ("R1.*", "RUN") in built


def test_the_layout_check_catches_a_short() -> None:
    # The fan's black wire one row up, on the gate instead of the drain.
    built = built_nets(moved("fan-5v", "M1", "black: g23", "black: g22"))
    assert ("M1.black", "Q1.G", "R3.*", "R4.*") in built


def test_the_layout_check_catches_the_tach_on_the_wrong_side_of_its_resistor() -> None:
    # The fan's tach wire in GP3's own half-row (a-e) instead of the pull-up's (f-j):
    # the series resistor would be bypassed.
    built = built_nets(moved("fan-4wire", "M2", "#3 green: h27", "#3 green: c27"))
    assert ("C2.*", "GP3", "M2.#3 green", "R8.*") in built


def test_no_pico_pin_shares_a_row_with_the_fans_12_v_or_its_pwm_line() -> None:
    # On the 4-wire fan's board as built from its table: the fan's 12 V and its PWM line
    # (pulled up inside the fan to as much as 5.25 V) reach no Pico pin; GP3 meets only
    # the 3.3 V pull-up through its resistor. The RP2040 is not 5 V tolerant.
    nets = built_nets(breadboard_tables()["fan-4wire"])
    for lead in ("M2.#2 yellow", "M2.#4 blue"):
        net = next(n for n in nets if lead in n)
        assert not set(net) & PICO_PINS, net
    tach = next(n for n in nets if "M2.#3 green" in n)
    assert not set(tach) & PICO_PINS and "R7.*" in tach and "R8.*" in tach


def test_every_variant_has_a_table() -> None:
    assert sorted(breadboard_tables()) == sorted(VARIANTS)


# ------------------------------------------------------------ the pictures


def mislabelled_pins(path: Path, pico: dict[int, str]) -> list[str]:
    """Each "NAME (pin N)" label on the Pico in a picture that is not where pin N
    sits (the row the table puts it in, by the row numbers printed beside the
    board), or whose N is not NAME's header pin."""
    texts = svg_texts(path)
    left = min(x for s, x, _ in texts if s.isdigit())
    rows = [(int(s), y) for s, x, y in texts if s.isdigit() and x == left]
    assert [r for r, _ in rows] == list(range(1, len(rows) + 1))
    bad = []
    for s, _, y in texts:
        m = re.fullmatch(r"(\S+) \(pin (\d+)\)", s)
        if not m:
            continue
        name, number = m.group(1), int(m.group(2))
        row = min(rows, key=lambda r: abs(r[1] - y))[0]
        if HEADER.get(name) != number or int(pico[number][1:]) != row:
            bad.append(s)
    return bad


def picture_pins(path: Path) -> set[str]:
    labels = (re.fullmatch(r"(\S+) \(pin \d+\)", s) for s, _, _ in svg_texts(path))
    return {m.group(1) for m in labels if m}


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_picture_labels_the_pins_in_their_rows(variant: str) -> None:
    pico = pico_holes(dict(breadboard_tables()[variant])["U1"])
    path = ROOT / f"wiring/picofan-breadboard-{variant}.svg"
    assert mislabelled_pins(path, pico) == []
    # and labels exactly the Pico pins the circuit uses
    used = {name for net in circuit(variant) for name in net if name in HEADER}
    assert picture_pins(path) == used


def test_the_picture_check_catches_a_label_in_the_wrong_row(tmp_path: Path) -> None:
    pico = pico_holes(dict(breadboard_tables()["led"])["U1"])
    bad = swap_texts(ROOT / "wiring/picofan-breadboard-led.svg", "GND (pin 38)",
                     "3V3(OUT) (pin 36)", tmp_path / "bad.svg")
    assert sorted(mislabelled_pins(bad, pico)) == ["3V3(OUT) (pin 36)", "GND (pin 38)"]
