"""The device's messages beside the settings box: each note the board sent, once,
newest last (the board in front's: another board's start afresh)."""

from __future__ import annotations

from typing import Any

from textual.widgets import RichLog

from picofan.monitor.state import MonitorState


class Messages(RichLog):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_lines=500, wrap=True, min_width=20, **kwargs)
        self.notes_shown = 0  # the state's notes_total when last shown

    def show(self, state: MonitorState) -> None:
        new = min(state.notes_total - self.notes_shown, len(state.messages))
        for line in list(state.messages)[len(state.messages) - new:]:
            self.write(line)
        self.notes_shown = state.notes_total

    def restart(self) -> None:
        """Empty, for another board's messages from its first."""
        self.clear()
        self.notes_shown = 0
