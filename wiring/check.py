"""Whether the committed drawings and generated sections are what `make wiring`
makes now: SVG and Markdown byte for byte, PNG pixel for pixel."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image  # matplotlib's own dependency

from picofan.spec import doc_sections
from wiring import ROOT, figures, sections


def same_png(a: Path, b: Path) -> bool:
    """Same pixels. Bytes would also do on one machine; pixels survive a zlib change."""
    if a.read_bytes() == b.read_bytes():
        return True
    with Image.open(a) as ia, Image.open(b) as ib:
        return ia.size == ib.size and ia.tobytes() == ib.convert(ia.mode).tobytes()


def stale(root: Path = ROOT, fresh: Path | None = None) -> list[str]:
    """Files under root (a checkout) that differ from a fresh regeneration.

    fresh: a directory figures.write_drawings() has already filled (saves redrawing)."""
    with tempfile.TemporaryDirectory() as tmp:
        if fresh is None:
            fresh = Path(tmp)
            figures.write_drawings(fresh)
        out = []
        for name in figures.drawing_names():
            new, committed = fresh / name, root / "wiring" / name
            if not committed.exists():
                out.append(f"wiring/{name} (missing)")
            elif name.endswith(".png"):
                if not same_png(committed, new):
                    out.append(f"wiring/{name}")
            elif committed.read_bytes() != new.read_bytes():
                out.append(f"wiring/{name}")
    docs = [root / doc for doc in sections.DOCS]
    for path in doc_sections.refresh(docs, sections.SECTIONS, write=False):
        out.append(path.relative_to(root).as_posix())
    return out
