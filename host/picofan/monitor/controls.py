"""Setting inputs. A change is checked by the firmware's own rules before it
is sent, then shown as pending until the device acknowledges or refuses it.
The inputs never drive the display: the device's replies and telemetry do."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Select, Static

from fanctl import settings as wire_settings
from picofan.values import parse_number

MODES: tuple[str, ...] = next(row[2] for row in wire_settings.SPEC
                              if row[0] == "mode" and isinstance(row[2], tuple))


class SettingsRequest(Message):
    """The user asks for these settings (already checked)."""

    def __init__(self, changes: dict[str, Any]) -> None:
        super().__init__()
        self.changes = changes


def check(current: dict[str, Any] | None, changes: dict[str, Any]) -> str | None:
    """Why these changes would be refused, in the device's words, or None."""
    try:
        wire_settings.merge(current or wire_settings.defaults(), changes)
    except wire_settings.Invalid as e:
        return str(e.msg)
    return None


def changes_text(changes: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in changes.items())


class Controls(Vertical):
    """The settings box. `settings` is what the device last reported (bound to
    the app's); what is typed here is checked against it before it is sent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "leave box",
                tooltip="back to the keys (what you typed stays in the box)"),
    ]
    settings: reactive[dict[str, Any] | None] = reactive(None)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Input(placeholder="setpoint °C", id="setpoint", compact=True)
            yield Input(placeholder="hyst. °C", id="hysteresis", compact=True)
            # (no type-to-search: three choices, and the keys keep working over the list)
            yield Select([(m, m) for m in MODES], id="mode", prompt="mode", compact=True,
                         type_to_search=False)
            yield Button("Apply", id="apply", compact=True)
        yield Static("", id="status", markup=False)

    def on_mount(self) -> None:
        self.border_title = "settings"
        self.border_subtitle = "Tab: in · Enter: apply · Esc: out"

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    def changes_from_inputs(self) -> dict[str, Any]:
        """What the boxes ask for (ValueError: a box holds no number)."""
        changes: dict[str, Any] = {}
        for name in ("setpoint", "hysteresis"):
            text = self.query_one(f"#{name}", Input).value
            if text.strip():
                changes[name] = parse_number(text, name)
        mode = self.query_one("#mode", Select).value
        if isinstance(mode, str):
            changes["mode"] = mode
        return changes

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        try:
            changes = self.changes_from_inputs()
        except ValueError as e:
            self.status(f"not sent: {e}", "error")
            return
        if not changes:
            self.status("nothing to send: type a setpoint or hysteresis, or pick a mode",
                        "error")
            return
        why = check(self.settings, changes)
        if why:
            self.status(f"not sent: {why}", "error")
            return
        self.post_message(SettingsRequest(changes))

    def status(self, text: str, kind: str) -> None:
        widget = self.query_one("#status", Static)
        widget.update(text)
        for k in ("error", "pending", "ok"):
            widget.set_class(k == kind, k)
