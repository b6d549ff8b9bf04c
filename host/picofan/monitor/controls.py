"""Setting inputs: the setpoint, the band and the mode; then one fan setting at a
time, picked by name, its box made from the settings table (words: a list of
them; numbers: a text box, its limits beside it). A change is checked by the
firmware's own rules before it is sent, then shown as pending until the device
acknowledges or refuses it. The inputs never drive the display: the device's
replies and telemetry do. An Apply sends what was typed or picked for it and
empties the boxes: each box's prompt is the board's value, as last reported, so
nothing typed for one Apply goes out again with the next."""

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
from picofan.client import DeviceError, ReplyTimeout
from picofan.link import LinkLost
from picofan.values import parse_setting

SPEC_ROWS: dict[str, tuple[Any, ...]] = {row[0]: row for row in wire_settings.SPEC}
# The fan's settings the second row offers: SPEC's block of them, from output to
# stall_ms, in the table's order (the order a person sets a fan up).
_NAMES = list(SPEC_ROWS)
FAN_SETTINGS = tuple(_NAMES[_NAMES.index("output"):_NAMES.index("stall_ms") + 1])


def choices(name: str) -> tuple[str, ...] | None:
    """A word setting's words, or None (a number, or a free text)."""
    row = SPEC_ROWS[name]
    return row[2] if len(row) == 3 and isinstance(row[2], tuple) else None


def limits_text(name: str) -> str:
    """"0–1000" for a number setting (its limits in the table), "" otherwise."""
    row = SPEC_ROWS[name]
    return f"{row[2]:g}–{row[3]:g}" if len(row) > 3 else ""


def shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# The first row's number boxes: the setting each sets, and its name on the screen
# (`hysteresis` is the band's whole width: on at setpoint + band/2, off at − band/2).
BOXES = {"setpoint": "setpoint", "hysteresis": "band"}
BAND_HELP = ("band °C", "the hysteresis band's whole width: the fan goes on at "
             "setpoint + band/2, off at setpoint − band/2")


MODES = choices("mode") or ()


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


# What a command to the device can end in instead of its reply.
REQUEST_FAILED = (DeviceError, ReplyTimeout, LinkLost, ValueError)


def failure_text(e: Exception) -> str:
    """One line for a command that got no ack (one of REQUEST_FAILED)."""
    if isinstance(e, DeviceError):
        return f"refused by the device: {e.reply['msg']}"
    if isinstance(e, (ReplyTimeout, LinkLost)):
        return f"not acknowledged: {e}"
    return f"not sent: {e}"


def changes_text(changes: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in changes.items())


def pending_text(queued: list[tuple[str, dict[str, Any]]]) -> str:
    """What is on its way, as the device will have it: "setpoint=33.0 save"."""
    sets: dict[str, Any] = {}
    others = []
    for cmd, fields in queued:
        if cmd == "set":
            sets.update(fields)
        else:
            others.append(cmd)
    return " ".join(([changes_text(sets)] if sets else []) + others)


def done_text(cmd: str, fields: dict[str, Any], reply: dict[str, Any]) -> str:
    """The last command's ack: what the board now has, and whether it is saved."""
    done = " ".join(f"{k}={reply['settings'][k]}" for k in fields)
    what = "saved on the device" if cmd == "save" else f"acknowledged: {done}"
    return what + ("" if reply.get("saved") else "\nnot saved on the board: press s")


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
            for name, label in BOXES.items():
                yield Input(placeholder=f"{label} °C", id=name, compact=True)
            # (no type-to-search: three choices, and the keys keep working over the list)
            yield Select([(m, m) for m in MODES], id="mode", prompt="mode", compact=True,
                         type_to_search=False)
            yield Button("Apply", id="apply", compact=True)
        with Horizontal(classes="row"):
            yield Select([(n, n) for n in FAN_SETTINGS], id="fan-setting", compact=True,
                         allow_blank=False, value=FAN_SETTINGS[0], type_to_search=False)
            yield Input(id="fan-value", compact=True)
            yield Select([], id="fan-choice", compact=True, type_to_search=False)
            yield Static("", id="fan-hint", markup=False)
        yield Static("", id="status", markup=False)

    def on_mount(self) -> None:
        self.border_title = "settings"
        self.border_subtitle = "Tab: in · Enter: apply · Esc: out"
        self.picked()

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    @property
    def fan_setting(self) -> str:
        return str(self.query_one("#fan-setting", Select).value)

    def picked(self) -> None:
        """A fan setting picked: its own box, empty, the board's value as its prompt."""
        self.query_one("#fan-value", Input).value = ""
        words = choices(self.fan_setting)
        if words:
            self.query_one("#fan-choice", Select).set_options((w, w) for w in words)
        self.show_fan_setting()

    # Picked from a list with the keys, focus moves on: to the setting's own box, or
    # to Apply (Enter there sends it; Enter on a list opens the list again).
    @on(Select.Changed, "#fan-setting")
    def fan_setting_picked(self, event: Select.Changed) -> None:
        self.picked()
        if event.select.has_focus_within:  # (its list, or itself once the list closed)
            box = "#fan-choice" if choices(self.fan_setting) else "#fan-value"
            self.query_one(box).focus()

    @on(Select.Changed, "#mode, #fan-choice")
    def word_picked(self, event: Select.Changed) -> None:
        self.show_fan_setting()  # "now switch" becomes "from switch"
        if event.select.has_focus_within and isinstance(event.value, str):
            self.query_one("#apply").focus()

    def watch_settings(self) -> None:
        if self.is_mounted:
            self.show_fan_setting()
            for name, label in BOXES.items():
                now = self.settings.get(name) if self.settings else None
                box = self.query_one(f"#{name}", Input)
                box.placeholder = f"{label} °C" if now is None else f"{label} {shown(now)}"

    def emptied(self) -> None:
        """Sent: every box back to its prompt (the board's value)."""
        for name in BOXES:
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#mode", Select).clear()
        self.picked()

    def show_fan_setting(self) -> None:
        """The picked setting's box (a list of words, or a text box for a number)
        with the board's value as its prompt; beside it a number's limits, or the
        board's word (what a word picked would change it from)."""
        name = self.fan_setting
        words = choices(name)
        now = shown(self.settings.get(name, "?")) if self.settings else "?"
        box = self.query_one("#fan-value", Input)
        pick = self.query_one("#fan-choice", Select)
        box.display, pick.display = not words, bool(words)
        box.placeholder = pick.prompt = now
        chosen = words and isinstance(pick.value, str) and pick.value != now
        self.query_one("#fan-hint", Static).update(
            limits_text(name) if not words else f"from {now}" if chosen else f"now {now}")

    def changes_from_inputs(self) -> dict[str, Any]:
        """What the boxes ask for (ValueError: a box holds no number)."""
        changes: dict[str, Any] = {}
        for name in BOXES:
            text = self.query_one(f"#{name}", Input).value
            if text.strip():
                changes[name] = parse_setting(name, text)
        mode = self.query_one("#mode", Select).value
        if isinstance(mode, str):
            changes["mode"] = mode
        name = self.fan_setting
        if choices(name):
            word = self.query_one("#fan-choice", Select).value
            if isinstance(word, str):
                changes[name] = word
        elif text := self.query_one("#fan-value", Input).value.strip():
            changes[name] = parse_setting(name, text)
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
            self.status("nothing to send: type a value or pick one, then Enter", "error")
            return
        why = check(self.settings, changes)
        if why:
            self.status(f"not sent: {why}", "error")
            return
        self.post_message(SettingsRequest(changes))
        self.emptied()

    def status(self, text: str, kind: str) -> None:
        widget = self.query_one("#status", Static)
        widget.update(text)
        for k in ("error", "pending", "ok"):
            widget.set_class(k == kind, k)
