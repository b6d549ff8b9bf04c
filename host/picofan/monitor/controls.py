"""Setting inputs. A change is checked by the firmware's own rules before it
is sent, then shown as pending until the device acknowledges or refuses it.
The inputs never drive the display: the device's replies and telemetry do."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Select, Static

from fanctl import settings as wire_settings


class SettingsRequest(Message):
    """The user asks for these settings (already validated)."""

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


def parse_number(text: str, name: str) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None


class Controls(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Input(placeholder="setpoint °C", id="setpoint")
            yield Input(placeholder="hyst. °C", id="hysteresis")
            yield Select([(m, m) for m in ("auto", "on", "off")], id="mode", allow_blank=True,
                         prompt="mode")
            yield Button("Apply", id="apply", variant="primary")
        yield Static("", id="status")

    def request_from_inputs(self, current: dict[str, Any] | None) -> None:
        changes: dict[str, Any] = {}
        try:
            for name in ("setpoint", "hysteresis"):
                text = self.query_one(f"#{name}", Input).value
                if text.strip():
                    changes[name] = parse_number(text, name)
        except ValueError as e:
            self.status(f"not sent: {e}", "error")
            return
        mode = self.query_one("#mode", Select).value
        if isinstance(mode, str):
            changes["mode"] = mode
        if not changes:
            self.status("nothing to send: type a setpoint or hysteresis, or pick a mode",
                        "error")
            return
        self.send(changes, current)

    def send(self, changes: dict[str, Any], current: dict[str, Any] | None) -> None:
        why = check(current, changes)
        if why:
            self.status(f"not sent: {why}", "error")
            return
        self.status("pending: " + _fmt(changes), "pending")
        self.post_message(SettingsRequest(changes))

    def status(self, text: str, kind: str) -> None:
        widget = self.query_one("#status", Static)
        widget.update(text)
        for k in ("error", "pending", "ok"):
            widget.set_class(k == kind, k)

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def _apply(self) -> None:
        self.request_from_inputs(getattr(self.app, "device_settings", None))


def _fmt(changes: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in changes.items())
