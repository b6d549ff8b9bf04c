"""picofan's wiring generator: the drawings and tables in wiring/, computed from
the firmware's own pin map, parts and conversion maths.

- wiring.calc        the numbers: pins, part values, divider and ADC figures
- wiring.four_wire   the 4-wire fan's stage and tach input, from their datasheets
- wiring.bom         the parts list
- wiring.schematics  the circuit diagrams (schemdraw)
- wiring.breadboard  each variant on a breadboard: the hole of every lead
- wiring.breadboard_drawing  its picture (matplotlib)
- wiring.figures     every picture written as SVG and PNG, reproducibly
- wiring.tables, wiring.numbers_text, wiring.text_diagrams  the Markdown it generates
- wiring.sections    which generated section each makes, in which docs
- wiring.check       is what is committed what `make wiring` makes now? (PNGs by pixels)

Run: `make wiring` (python -m wiring); `python -m wiring --check` changes nothing
and exits 1 when a committed file is stale (the tests do the same)."""

from pathlib import Path

WIRING = Path(__file__).resolve().parent
ROOT = WIRING.parent
