"""The calibration screen's one confirmation before settings go to the board and
into its flash: the question, the values it would send, yes or no."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from picofan.monitor.calibrate_tables import values_text


class ConfirmPush(ModalScreen[bool]):
    """One confirmation before settings go to the board and into its flash."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "push and save"),
        Binding("n,escape", "answer(False)", "cancel"),
    ]
    DEFAULT_CSS = """
    ConfirmPush {
        align: center middle;
    }
    ConfirmPush > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        border: round $warning;
        padding: 0 1;
        background: $surface;
    }
    ConfirmPush #confirm-buttons {
        height: auto;
        margin-top: 1;
    }
    """

    def __init__(self, question: str, changes: Mapping[str, Any]) -> None:
        super().__init__()
        self.question = question
        self.changes = dict(changes)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.question
            box.border_subtitle = "y / Enter: yes · n / Esc: no"
            yield Static(values_text(self.changes), id="confirm-changes", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("Push and save", id="confirm-yes", variant="warning",
                             compact=True)
                yield Static(" ")
                yield Button("Cancel", id="confirm-no", compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
