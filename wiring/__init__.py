"""picofan's wiring generator: the drawings and tables in wiring/, computed from
the firmware's own pin map, parts and conversion maths.

- wiring.calc        the numbers: pins, part values, divider and ADC figures
- wiring.schematics  the circuit diagrams (schemdraw)
- wiring.figures     every picture written as SVG and PNG, reproducibly
- wiring.tables      the Markdown sections it owns in wiring/README.md and README.md
- wiring.check       is what is committed what `make wiring` makes now? (PNGs by pixels)

Run: `make wiring` (python -m wiring); `python -m wiring --check` changes nothing
and exits 1 when a committed file is stale (the tests do the same)."""

from pathlib import Path

WIRING = Path(__file__).resolve().parent
ROOT = WIRING.parent
