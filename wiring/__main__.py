"""`make wiring`: redraw wiring/ and rewrite the generated sections; with --check,
change nothing and exit 1 when anything committed is stale."""

from __future__ import annotations

import sys

from picofan.spec import doc_sections
from wiring import ROOT, WIRING, check, figures, sections


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = check.stale()
        if bad:
            print("stale: " + ", ".join(bad) + " (run `make wiring`)")
            return 1
        return 0
    for path in figures.write_drawings(WIRING):
        print(f"wrote {path.relative_to(ROOT)}")
    docs = [ROOT / doc for doc in sections.DOCS]
    for path in doc_sections.refresh(docs, sections.SECTIONS, write=True):
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
