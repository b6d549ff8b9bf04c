"""Settings typed by a person: the text of the CLI's NAME=VALUE and of the monitor's
boxes, read one way. Numbers take a decimal comma (28,5) as well as a point, with a
digit either side (not ,5 or 28,); words are taken as typed. Whether the value is
allowed is the firmware's own check (fanctl.settings), not this module's."""

from __future__ import annotations

from typing import Any

from fanctl import ha_commands


def parse_number(text: str, name: str) -> float | int:
    """'28,5' -> 28.5, '28' -> 28, '1e3' -> 1000.0; ValueError naming the setting otherwise
    (NaN and infinities are not numbers a person means). The board's own reader
    (fanctl.ha_commands, for MQTT's bare values), so a number reads alike everywhere."""
    number: float | int = ha_commands.parse_number(text, name)
    return number


def parse_setting(name: str, text: str) -> Any:
    """The value `text` stands for in setting `name`: a number for a number setting,
    else the text itself (unknown names are left to the firmware's check to refuse)."""
    return ha_commands.parse_setting(name, text)
