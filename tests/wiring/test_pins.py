"""One pin map: the drawings, the tables, the text diagrams, both READMEs and the
firmware's `fanctl.pins` all give every pin the same physical number, and that
number is the one in the Pico W datasheet."""

from __future__ import annotations

import importlib
import math
import re
from pathlib import Path

import pytest
from pico_pinout import DATASHEET
from wiring_docs import svg_texts, swap_texts, table_rows

from fanctl import pins
from picofan.spec import header
from picofan.spec.header import HEADER

ROOT = Path(__file__).resolve().parents[2]

# Which header pins each drawing must show.
DRAWN = {
    "led": {"3V3(OUT)", "GP26/ADC0", "GP2", "GND"},
    "fan-5v": {"3V3(OUT)", "GP26/ADC0", "GP2", "GND", "VBUS"},
    "fan-12v": {"3V3(OUT)", "GP26/ADC0", "GP2", "GND"},
    "fan-4wire": {"3V3(OUT)", "GP26/ADC0", "GP2", "GP3", "GND"},
}


def test_firmware_pin_map_matches_the_datasheet() -> None:
    for name, number in HEADER.items():
        assert DATASHEET[number] == name, (name, number)
    # The GPIOs the firmware drives sit on the header pins the drawings name.
    assert DATASHEET[HEADER[f"GP{pins.FAN_GPIO}"]] == f"GP{pins.FAN_GPIO}"
    assert DATASHEET[HEADER[f"GP{pins.TACH_GPIO}"]] == f"GP{pins.TACH_GPIO}"
    adc = f"GP{pins.ADC_GPIO}/ADC{pins.ADC_CHANNEL}"
    assert DATASHEET[HEADER[adc]] == adc
    assert pins.ADC_GPIO - 26 == pins.ADC_CHANNEL  # RP2040: ADC0-3 are GPIO26-29


def test_the_header_follows_the_pin_map(monkeypatch: pytest.MonkeyPatch) -> None:
    # Move the fan to any GPIO the header brings out: the drawings' pin follows it, to
    # the number the datasheet gives that GPIO.
    try:
        for gpio in (*range(23), 26, 27, 28):
            monkeypatch.setattr(pins, "FAN_GPIO", gpio)
            number = importlib.reload(header).HEADER[f"GP{gpio}"]
            assert DATASHEET[number].split("/")[0] == f"GP{gpio}", gpio
    finally:
        monkeypatch.undo()
        importlib.reload(header)


def test_board_takes_its_gpios_from_the_pin_map() -> None:
    # The real board must drive the pins drawn here: no literal GPIO numbers.
    board = (ROOT / "firmware/board.py").read_text()
    assert not re.search(r"machine\.(Pin|ADC)\(\s*\d", board)
    assert "pins.FAN_GPIO" in board and "pins.ADC_GPIO" in board and "pins.TACH_GPIO" in board


def drawn_pins(path: Path) -> list[tuple[str, int]]:
    """Each "pin N" in a drawing with the pin name nearest to it."""
    texts = svg_texts(path)
    names = [(s, x, y) for s, x, y in texts if s in HEADER]
    return [
        (min(names, key=lambda n: math.hypot(n[1] - x, n[2] - y))[0], int(s[4:]))
        for s, x, y in texts
        if re.fullmatch(r"pin \d+", s)
    ]


def misnumbered(path: Path) -> list[tuple[str, int]]:
    """The (name, number) pairs in a drawing whose number is not that pin's."""
    return [(name, n) for name, n in drawn_pins(path) if HEADER[name] != n]


@pytest.mark.parametrize("variant", sorted(DRAWN))
def test_each_drawing_numbers_its_pins_right(variant: str) -> None:
    path = ROOT / f"wiring/picofan-{variant}.svg"
    names = {s for s, _, _ in svg_texts(path) if s in HEADER}
    assert names == DRAWN[variant]
    # One "pin N" per name, each beside its own name, at the box edge.
    assert sorted(name for name, _ in drawn_pins(path)) == sorted(DRAWN[variant])
    assert misnumbered(path) == []


@pytest.mark.parametrize("variant", sorted(DRAWN))
def test_each_drawing_shows_the_gpios_the_firmware_drives(variant: str) -> None:
    # The drawn GPIOs are the ones fanctl.pins tells the board to use.
    names = {s for s, _, _ in svg_texts(ROOT / f"wiring/picofan-{variant}.svg")}
    assert f"GP{pins.FAN_GPIO}" in names
    assert f"GP{pins.ADC_GPIO}/ADC{pins.ADC_CHANNEL}" in names
    if variant == "fan-4wire":
        assert f"GP{pins.TACH_GPIO}" in names


def test_each_drawing_catches_a_wrong_number(tmp_path: Path) -> None:
    # The check above can fail: swap two pin numbers in a copy.
    bad = swap_texts(ROOT / "wiring/picofan-led.svg", "pin 36", "pin 31", tmp_path / "bad.svg")
    assert sorted(misnumbered(bad)) == [("3V3(OUT)", 31), ("GP26/ADC0", 36)]


@pytest.mark.parametrize(
    ("doc", "marker", "used"),
    [
        ("wiring/README.md", "wiring-pins", set().union(*DRAWN.values())),
        ("README.md", "wiring-pins-short", set().union(*DRAWN.values())),
    ],
)
def test_pin_tables_agree(doc: str, marker: str, used: set[str]) -> None:
    rows = table_rows((ROOT / doc).read_text(), marker)
    assert {name for _, name, *_ in rows} == used
    for number, name, *_ in rows:
        assert HEADER[name] == int(number), (doc, name, number)


PIN_MENTION = re.compile(r"\**([^\s*]+)\**\s+\(?pin (\d+)\)?")


def pin_mentions(text: str) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for m in PIN_MENTION.finditer(text)]


def wrong_mentions(text: str) -> list[tuple[str, int]]:
    """Every "NAME pin N" or "NAME (pin N)" whose number is not that pin's."""
    return [(name, n) for name, n in pin_mentions(text) if name in HEADER and HEADER[name] != n]


def test_prose_and_text_diagrams_agree() -> None:
    # Everything written as "NAME pin N" or "NAME (pin N)": the text diagrams and
    # the hand-written steps alike. Any other "pin N" must at least be a pin we use.
    wiring = (ROOT / "wiring/README.md").read_text()
    root = (ROOT / "README.md").read_text().split("\n## Wiring\n", 1)[1]
    hardware = (ROOT / "docs/hardware.md").read_text()
    named = [(name, n) for name, n in pin_mentions(wiring + root) if name in HEADER]
    assert len(named) >= 15  # the diagrams alone name a dozen
    assert wrong_mentions(wiring) == wrong_mentions(root) == wrong_mentions(hardware) == []
    for number in re.findall(r"\bpins? (\d+)\b(?!–)", wiring + root + hardware):  # not "pins 21–40"
        assert int(number) in HEADER.values(), number


def test_prose_check_catches_a_wrong_number() -> None:
    text = "wire GP26/ADC0 (pin 32) to GND pin 38, **AGND (pin 33)**, VBUS pin 39"
    assert wrong_mentions(text) == [("GP26/ADC0", 32), ("VBUS", 39)]
