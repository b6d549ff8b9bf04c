"""The build guide's list of versions, as a builder reads it before the drawings: one
label per output, used the same way everywhere on the page, and one version for each
circuit drawn."""

from __future__ import annotations

import re
from pathlib import Path

from wiring.calc import VARIANTS

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "wiring/README.md").read_text()
INTRO = TEXT.split("\n# ", 1)[0].split("In the drawings", 1)[0]
NUMBERS = {"three": 3, "four": 4, "five": 5}


def test_each_output_has_its_own_label_and_the_page_uses_only_those() -> None:
    labels = re.findall(r"^- \*\*\(([a-z])\)", INTRO, re.MULTILINE)
    assert labels == [chr(ord("a") + i) for i in range(len(labels))], labels
    used = set(re.findall(r"(?:[Oo]utput|as in) \(([a-z])\)", TEXT))
    assert used and used <= set(labels), (used, labels)


def test_the_count_of_versions_is_the_count_of_circuits_drawn() -> None:
    # A version is a label of its own, or each supply under one (the switched fan's).
    versions = 0
    for item in re.split(r"^- ", INTRO, flags=re.MULTILINE)[1:]:
        supplies = re.findall(r"^  - ", item, re.MULTILINE)
        versions += len(supplies) or 1
    assert versions == len(VARIANTS)
    (word,) = re.findall(r"\b(\w+) versions\b", INTRO)
    assert NUMBERS[word] == len(VARIANTS), word
