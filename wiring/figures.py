"""Every picture in wiring/, written the same way: text kept as text in the SVG,
fonts that ship with matplotlib, no dates or tool versions, so `make wiring`
twice gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from wiring import breadboard_drawing, schematics
from wiring.calc import VARIANTS

SVG_SALT = "picofan-wiring"
PNG_DPI = 110


def style() -> None:
    """matplotlib's settings for every picture; call before drawing one."""
    plt.rcParams["svg.hashsalt"] = SVG_SALT
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, checkable
    # DejaVu Sans ships with matplotlib, so the PNG is the same on every machine;
    # the SVG names it first and falls back to the viewer's sans-serif.
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = ["DejaVu Sans"]


def save(fig: Figure, outdir: Path, stem: str) -> list[Path]:
    """fig as outdir/stem.svg and .png; closes it."""
    written = []
    for fmt, metadata, dpi in (
        ("svg", {"Date": None, "Creator": None}, "figure"),
        ("png", {"Software": None}, PNG_DPI),
    ):
        path = outdir / f"{stem}.{fmt}"
        fig.savefig(
            path,
            format=fmt,
            dpi=dpi,
            metadata=metadata,
            bbox_inches="tight",
            pad_inches=0.15,
            facecolor="white",
            transparent=False,
        )
        written.append(path)
    plt.close(fig)
    return written


def stems() -> list[str]:
    return [f"picofan-{v}" for v in VARIANTS] + [f"picofan-breadboard-{v}" for v in VARIANTS]


def drawing_names() -> list[str]:
    return [f"{stem}.{ext}" for stem in stems() for ext in ("svg", "png")]


def write_drawings(outdir: Path) -> list[Path]:
    """Render every picture as SVG and PNG into outdir; returns the files written."""
    written = []
    for variant in VARIANTS:
        style()
        written += save(schematics.figure(variant), outdir, f"picofan-{variant}")
    for variant in VARIANTS:
        style()
        written += save(breadboard_drawing.figure(variant), outdir, f"picofan-breadboard-{variant}")
    return written
