"""The help screen (?): every key, from the bindings that define it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from picofan.monitor.calibrate import CalibrateScreen
from picofan.monitor.controls import BAND_HELP, Controls

Section = tuple[str, list[tuple[str, str]]]  # a title, and (key, what it does) rows


def monitor_sections(display: Callable[[Binding], str], keys: list[Binding],
                     sim_keys: list[Binding], palette: Binding, *,
                     board: bool = True) -> list[Section]:
    """The monitor's help: its keys (`display` shows a binding's key), the virtual
    Pico's (none for a real board), and, for a board (not a replayed file), the
    settings box's and the calibration screen's."""
    def rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
        return [(display(b), b.tooltip or b.description) for b in bindings
                if isinstance(b, Binding)]

    steering: list[Section] = [
        ("In the settings box", [
            ("Tab", "into the settings box, and on to the next box"),  # Textual's own
            ("Enter", "apply what the boxes hold"), BAND_HELP, *rows(Controls.BINDINGS)]),
        ("On the calibration screen (t)", [
            ("Enter", "take a point: the reference typed, once the bar says stable"),
            *rows(CalibrateScreen.BINDINGS)])]
    return [("Keys", rows(keys)), *([("Virtual Pico", rows(sim_keys))] if sim_keys else []),
            *(steering if board else []),
            ("Anywhere", [(display(palette), "the command palette: every action by name")])]


def key_table(sections: Iterable[Section]) -> Group:
    """Each section's title over its rows, the keys in one column throughout."""
    sections = list(sections)
    key_width = max(len(key) for _, rows in sections for key, _ in rows)
    parts: list[RenderableType] = []
    for i, (title, rows) in enumerate(sections):
        parts.append(Text(("\n" if i else "") + title, style="bold underline"))
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold", width=key_width)
        table.add_column(ratio=1)
        for key, what in rows:
            table.add_row(Text(key), Text(what))
        parts.append(table)
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """A panel over the monitor; the readings go on underneath."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    """

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "picofan monitor: keys"
            box.border_subtitle = "Esc, q or ? closes"
            yield Static(key_table(self.sections), id="help-keys")
