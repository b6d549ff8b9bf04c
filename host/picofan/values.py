"""Settings typed by a person: the text of the CLI's NAME=VALUE and of the monitor's
boxes, read one way. Numbers take a decimal comma (28,5) as well as a point; words
are taken as typed. Whether the value is allowed is the firmware's own check
(fanctl.settings), not this module's."""

from __future__ import annotations

import re
from typing import Any

from fanctl import settings

# 28 / -3.5 / 28,5 / 1e3: one decimal separator at most, a comma or a point
_NUMBER = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?")


def is_number_setting(name: str) -> bool:
    row = next((r for r in settings.SPEC if r[0] == name), None)
    return row is not None and len(row) == 4


def parse_number(text: str, name: str) -> float | int:
    """'28,5' -> 28.5, '28' -> 28; ValueError naming the setting otherwise (NaN and
    infinities are not numbers a person means)."""
    clean = text.strip()
    if not _NUMBER.fullmatch(clean):
        raise ValueError(f"{name}: {text!r} is not a number")
    clean = clean.replace(",", ".")
    if re.fullmatch(r"[+-]?[0-9]+", clean):
        return int(clean)
    return float(clean)


def parse_setting(name: str, text: str) -> Any:
    """The value `text` stands for in setting `name`: a number for a number setting,
    else the text itself (unknown names are left to the firmware's check to refuse)."""
    return parse_number(text, name) if is_number_setting(name) else text
