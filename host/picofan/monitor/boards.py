"""The boards table of `picofan monitor --all`: one row per board (name,
temperature, fan, setpoint, fault, link, and `● rec` while r records it). The
highlighted row is the board the keys and commands act on; Enter opens its full
view (the single-board monitor's own screen, under this one)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from picofan.monitor.board import BoardSession
from picofan.monitor.state import MonitorState, duty_of

COLUMNS = ("board", "temperature", "fan", "setpoint", "fault", "link", "rec")


def row_cells(state: MonitorState) -> tuple[str, str, str, str, str]:
    """The row's cells after the board's name, from what the board reported."""
    tele = state.tele
    if tele is None:
        temp = fan = setpoint = fault = "…"
    else:
        temp = "—" if tele["temp"] is None else f"{tele['temp']:.2f} °C"
        fan = f"{'ON' if tele['fan'] else 'off'} {duty_of(tele):.0f} %"
        setpoint = f"{tele['setpoint']:.2f} °C"
        fault = tele["fault"] or "—"
    if state.connected:
        link = "● connected" if state.hello else "● connected, waiting for hello"
    else:
        link = "○ disconnected, retrying…" if state.port else "○ opening…"
    return temp, fan, setpoint, fault, link


PROBLEM_ROOM = 48  # the link cell's characters for why a port would not open


def problem_cells(port: str, why: str) -> tuple[str, ...]:
    """A port that would not open (busy, forbidden): the reason in its link cell, its
    first sentence and cut short (Enter on the row shows it whole)."""
    short = why.split(". ")[0].replace(port, "").strip()
    if len(short) > PROBLEM_ROOM:
        short = short[:PROBLEM_ROOM - 1] + "…"
    return "—", "—", "—", "—", f"✗ {short}", ""


class BoardsScreen(Screen[None]):
    """The table, and one line for the outcome of the last command."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "open board", tooltip="the full view of the highlighted "
                "board (Esc comes back here)"),
    ]
    DEFAULT_CSS = """
    BoardsScreen #boards-head {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    BoardsScreen DataTable {
        height: 1fr;
    }
    BoardsScreen #boards-status {
        height: 2;
        padding: 0 1;
    }
    BoardsScreen #boards-status.error {
        color: $error;
    }
    """

    class Highlighted(Message):
        """The highlight moved to the row of this port (the board in front)."""

        def __init__(self, port: str) -> None:
            super().__init__()
            self.port = port

    class Opened(Message):
        """Enter on the row of this port."""

        def __init__(self, port: str) -> None:
            super().__init__()
            self.port = port

    ready = False  # (mounted and composed: pushing it is not enough)
    head = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="boards-head", markup=False)
        yield DataTable(id="boards", cursor_type="row", zebra_stripes=True)
        yield Static("", id="boards-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        table.focus()
        self.ready = True

    def show(self, boards: Iterable[BoardSession], problems: dict[str, str]) -> None:
        """Rows in the order the ports were found; each cell updated only when
        it changed (the table redraws what changed)."""
        if not self.ready:
            return
        table = self.query_one(DataTable)
        rows: dict[str, tuple[str, ...]] = {}
        for board in boards:
            rows[board.port] = (board.name, *row_cells(board.state),
                                "● rec" if board.csv else "")
        for port, why in problems.items():
            rows.setdefault(port, (port, *problem_cells(port, why)))
        for port, cells in rows.items():
            if port not in table.rows:
                table.add_row(*cells, key=port)
                continue
            for column, cell in zip(COLUMNS, cells, strict=True):
                if str(table.get_cell(port, column)) != cell:
                    table.update_cell(port, column, cell, update_width=True)
        for key in [k for k in table.rows if k.value not in rows]:
            table.remove_row(key)
        count = len(rows)
        head = (f"picofan · {count} board{'' if count == 1 else 's'}" if count
                else "picofan · looking for boards (plug one in, or start `picofan sim`)")
        if head != self.head:  # (an update repaints, changed or not)
            self.head = head
            self.query_one("#boards-head", Static).update(head)

    def status(self, text: str, kind: str) -> None:
        if not self.ready:
            return
        line = self.query_one("#boards-status", Static)
        line.update(Text(text))
        line.set_class(kind == "error", "error")

    def highlighted_port(self) -> str | None:
        if not self.ready:
            return None
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.post_message(self.Highlighted(event.row_key.value))

    def action_open(self) -> None:
        port = self.highlighted_port()
        if port is not None:
            self.post_message(self.Opened(port))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(event.row_key.value))
