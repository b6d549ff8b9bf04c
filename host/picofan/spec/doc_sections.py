"""The generated sections of the Markdown docs, the way the spec reaches them.

A section is the text between `<!-- generated:NAME -->` and `<!-- /generated -->`;
a generator (docs/generate.py, the wiring package) owns a set of NAMEs and
rewrites only those, so prose around them and other generators' sections stay
as written. One renderer for every generator: the markers mean the same thing
in every file."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

Sections = Mapping[str, Callable[[], str]]

BLOCK = re.compile(r"(<!-- generated:([\w-]+) -->\n)(.*?)(<!-- /generated -->)", re.S)


def names(text: str) -> list[str]:
    """Every section NAME in a text, in order."""
    return [m.group(2) for m in BLOCK.finditer(text)]


def body(text: str, name: str) -> str:
    """What section NAME of a text holds now (KeyError if it has none)."""
    for m in BLOCK.finditer(text):
        if m.group(2) == name:
            return m.group(3)
    raise KeyError(name)


def render(text: str, sections: Sections) -> str:
    """The text with every section it names in `sections` regenerated."""

    def fill(m: re.Match[str]) -> str:
        make = sections.get(m.group(2))
        if make is None:
            return m.group(0)
        return m.group(1) + make() + "\n" + m.group(4)

    return BLOCK.sub(fill, text)


def refresh(paths: Iterable[Path], sections: Sections, write: bool) -> list[Path]:
    """The files whose sections are stale; rewritten in place when `write`."""
    stale = []
    for path in paths:
        text = path.read_text()
        new = render(text, sections)
        if new != text:
            stale.append(path)
            if write:
                path.write_text(new)
    return stale
