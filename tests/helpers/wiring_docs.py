"""Reading what the wiring generator wrote, as a builder sees it: the Markdown
tables in a generated section, and the text of an SVG drawing and where it sits."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from picofan.spec import doc_sections

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def svg_texts(path: Path) -> list[tuple[str, float, float]]:
    """Every positioned text element: (text, x, y), y growing downwards."""
    out = []
    for t in ET.parse(path).getroot().iter(SVG_TEXT):
        x, y = t.get("x"), t.get("y")
        if x is not None and y is not None:
            out.append(("".join(t.itertext()), float(x), float(y)))
    return out


def swap_texts(svg: Path, a: str, b: str, dest: Path) -> Path:
    """A copy of an SVG with two texts' places exchanged (a and b each occur once)."""
    text = svg.read_text()
    assert text.count(f">{a}<") == text.count(f">{b}<") == 1, (a, b)
    dest.write_text(
        text.replace(f">{a}<", ">\0<").replace(f">{b}<", f">{a}<").replace(">\0<", f">{b}<")
    )
    return dest


def table_rows(text: str, section: str) -> list[list[str]]:
    """The body rows of the Markdown table in a generated section, cell by cell."""
    lines = doc_sections.body(text, section).splitlines()
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return [r for r in rows[2:] if r and r[0]]
