"""The Markdown sections the wiring generator owns, the docs they are in, and
what makes each: `<!-- generated:NAME -->` sections (picofan.spec.doc_sections)
in wiring/README.md, the root README and docs/hardware.md."""

from __future__ import annotations

from picofan.spec import doc_sections
from wiring import numbers_text, tables, text_diagrams

DOCS = ("wiring/README.md", "README.md", "docs/hardware.md")  # relative to the repository root

SECTIONS: doc_sections.Sections = {
    "wiring-figures": tables.figures_text,
    "wiring-breadboard": tables.breadboard_text,
    "wiring-pins": tables.pins_table,
    "wiring-pins-short": tables.short_pins_table,
    "wiring-ascii": text_diagrams.ascii_text,
    "wiring-bom": tables.bom_table,
    "wiring-led": numbers_text.led_table,
    "wiring-numbers": numbers_text.numbers_table,
    "wiring-resolution": numbers_text.resolution_text,
    "wiring-lownoise": text_diagrams.lownoise_ascii,
    "wiring-4wire-numbers": numbers_text.four_wire_numbers,
    "wiring-4wire-hookup": tables.four_wire_hookup,
}


def render(text: str) -> str:
    """Rewrite every wiring-* generated section of a Markdown text."""
    return doc_sections.render(text, SECTIONS)
