"""The monitor's keys: one list for the keys, the footer, the help screen (tooltip:
the longer words) and the command palette, and which of them need what."""

from __future__ import annotations

from typing import Any

from textual.actions import parse as parse_action
from textual.binding import Binding, BindingType

STEP_C = 0.5  # + and - move the setpoint by this much
SIM_ONLY = ("pinch", "fault")  # actions that need the virtual Pico's world
TO_THE_BOARD = {"nudge", "save", "record", "calibrate"}  # what a replay cannot do
SETPOINT_KEYS = Binding.Group("setpoint")

BINDINGS: list[BindingType] = [
    Binding("q", "exit", "quit", tooltip="leave the monitor (the board keeps running)"),
    Binding("question_mark", "help", "help", key_display="?",
            tooltip="this list of keys"),
    Binding("plus", f"nudge({STEP_C})", "setpoint +", key_display="+",
            group=SETPOINT_KEYS,
            tooltip=f"raise the setpoint by {STEP_C:g} °C (quick presses add up)"),
    Binding("minus", f"nudge({-STEP_C})", "setpoint −", key_display="-",
            group=SETPOINT_KEYS,
            tooltip=f"lower the setpoint by {STEP_C:g} °C (quick presses add up)"),
    Binding("s", "save", "save",
            tooltip="store the settings on the board, to survive a power cycle"),
    Binding("p", "pause", "pause", tooltip="freeze / resume the plot (logging goes on)"),
    # (w and c: in the help and the palette; the footer has room for 80 columns)
    Binding("w", "window", "window", show=False,
            tooltip="the plot's window: 1 min / 10 min / 1 h"),
    Binding("r", "record", "record",
            tooltip="start / stop recording the CSV and the events log"),
    Binding("c", "screenshot", "screenshot", show=False,
            tooltip="save the screen as an SVG picture beside the logs"),
    Binding("k", "pinch", "pinch",
            tooltip="virtual Pico: a finger on the thermistor / off again"),
    Binding("f", "fault", "fault",
            tooltip="virtual Pico: disconnect / reconnect the thermistor"),
    Binding("t", "calibrate", "calibrate the thermistor", show=False,
            tooltip="calibrate the thermistor against a reference thermometer"),
]


def action_name(binding: Binding) -> tuple[str, tuple[Any, ...]]:
    """("nudge", (0.5,)) for "nudge(0.5)"."""
    _, name, params = parse_action(binding.action)
    return name, params


def types_a_character(binding: Binding) -> bool:
    """True for a plain printable key: in a text box it types, not acts."""
    modifiers, _ = binding.parse_key()
    return not modifiers and binding.key not in ("escape", "tab", "enter")


def help_keys(bindings: list[Binding], replay: bool, sim: bool,
              ) -> tuple[list[Binding], list[Binding]]:
    """The keys the help lists, and the virtual Pico's (none without one): a replay
    lists what applies to a file, nothing that goes to a board."""
    left_out = SIM_ONLY + tuple(TO_THE_BOARD) if replay else SIM_ONLY
    keys = [b for b in bindings if action_name(b)[0] not in left_out]
    return keys, [b for b in bindings if sim and action_name(b)[0] in SIM_ONLY]
