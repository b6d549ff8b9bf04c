"""The committed drawings and tables are what `make wiring` makes now, and the check
that says so can fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from wiring import check, figures, numbers_text, sections

ROOT = Path(__file__).resolve().parents[2]


def checkout_copy(dest: Path) -> Path:
    """The committed wiring files and every doc with wiring sections, copied into dest."""
    (dest / "wiring").mkdir()
    for name in figures.drawing_names():
        shutil.copy(ROOT / "wiring" / name, dest / "wiring" / name)
    for doc in sections.DOCS:
        (dest / doc).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / doc, dest / doc)
    return dest


def test_committed_drawings_and_tables_are_fresh(fresh: Path) -> None:
    assert check.stale(ROOT, fresh) == [], "run `make wiring` and commit the result"


def test_the_check_command_passes_on_the_checkout() -> None:
    # `python -m wiring --check`, as the README gives it: exit 0, nothing printed.
    run = subprocess.run(
        [sys.executable, "-m", "wiring", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_drawing_is_reproducible(fresh: Path, tmp_path: Path) -> None:
    # Byte for byte, PNG included: `make wiring` twice leaves git with nothing to show.
    figures.write_drawings(tmp_path)
    for name in figures.drawing_names():
        assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes(), name


ELSEWHERE = {"wiring-pins-short": "README.md", "wiring-4wire-hookup": "docs/hardware.md"}


def test_generated_sections_exist_in_their_docs() -> None:
    wiring = (ROOT / "wiring/README.md").read_text()
    for name in sections.SECTIONS:
        doc = ELSEWHERE.get(name)
        text = wiring if doc is None else (ROOT / doc).read_text()
        assert f"<!-- generated:{name} -->" in text, name


def test_a_copy_of_the_checkout_is_fresh(fresh: Path, tmp_path: Path) -> None:
    # The baseline for the tests below: an untouched copy passes.
    assert check.stale(checkout_copy(tmp_path), fresh) == []


@pytest.mark.parametrize(
    ("doc", "old", "new"),
    [
        ("wiring/README.md", "| 25 | 10,000 |", "| 25 | 10,001 |"),  # the numbers table
        ("wiring/README.md", "| 31 | GP26/ADC0 |", "| 32 | GP26/ADC0 |"),  # the pin table
        ("README.md", "| 4 | GP2 |", "| 5 | GP2 |"),  # the root README's pin table
        ("wiring/README.md", "| the PWM line, low | ≤ 0.2 V |", "| the PWM line, low | ≤ 0.3 V |"),
        ("wiring/README.md", "| 5 | GP3 |", "| 6 | GP3 |"),  # the tach pin
        ("docs/hardware.md", "| GP3 (pin 5) |", "| GP3 (pin 6) |"),  # the 4-wire hookup
    ],
)
def test_an_altered_table_is_stale(
    fresh: Path, tmp_path: Path, doc: str, old: str, new: str
) -> None:
    root = checkout_copy(tmp_path)
    text = (root / doc).read_text()
    assert old in text
    (root / doc).write_text(text.replace(old, new, 1))
    assert check.stale(root, fresh) == [doc]


def test_prose_outside_the_markers_is_left_alone() -> None:
    head = "# Title\n\nhand-written 999 kΩ\n<!-- generated:wiring-led -->\n"
    out = sections.render(head + "old\n<!-- /generated -->\n")
    assert out.startswith(head)
    assert "old" not in out and numbers_text.led_table() in out
    assert sections.render(out) == out


def test_an_altered_svg_is_stale(fresh: Path, tmp_path: Path) -> None:
    root = checkout_copy(tmp_path)
    svg = root / "wiring/picofan-led.svg"
    text = svg.read_text()
    assert ">pin 36<" in text
    svg.write_text(text.replace(">pin 36<", ">pin 37<"))
    assert check.stale(root, fresh) == ["wiring/picofan-led.svg"]


def test_an_altered_png_is_stale(fresh: Path, tmp_path: Path) -> None:
    root = checkout_copy(tmp_path)
    png = root / "wiring/picofan-fan-5v.png"
    with Image.open(png) as im:
        im = im.copy()
    im.putpixel((im.width // 2, im.height // 2), (255, 0, 0, 255)[: len(im.getbands())])
    im.save(png)
    assert check.stale(root, fresh) == ["wiring/picofan-fan-5v.png"]


def test_png_compared_by_pixels_not_encoder(fresh: Path, tmp_path: Path) -> None:
    # Re-encoded with other compression and a metadata chunk: different bytes, same
    # picture, so not stale (a zlib or Pillow upgrade must not fail the check).
    root = checkout_copy(tmp_path)
    png = root / "wiring/picofan-led.png"
    before = png.read_bytes()
    with Image.open(png) as im:
        im.save(png, compress_level=1, pnginfo=None, dpi=(1, 1))
    assert png.read_bytes() != before
    assert check.stale(root, fresh) == []


@pytest.mark.parametrize("name", ["picofan-fan-12v.svg", "picofan-breadboard-led.png"])
def test_a_missing_drawing_is_stale(fresh: Path, tmp_path: Path, name: str) -> None:
    root = checkout_copy(tmp_path)
    (root / "wiring" / name).unlink()
    assert check.stale(root, fresh) == [f"wiring/{name} (missing)"]
