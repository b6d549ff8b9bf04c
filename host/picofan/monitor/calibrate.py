"""The calibration screen (t, or "calibrate the thermistor" in the palette): the
board's averaged ohms and temperature, a settling indicator, a box for the reference
thermometer's reading (Enter: the point is taken once the reading is stable), the points
with their residuals, the fit against the current curve over -20..100 degC or the
one-line reason it is refused, "push and save" behind one confirmation, and undo.
Escape leaves it and changes nothing on the board.

The math is picofan.calibration's; the points and the fit are calibrate_steps', the
push is calibrate_push's; this module only shows them and sends what they say.
Telemetry comes from the app (take()), not from the port: one reader."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from picofan.calibration import History, Settling, conversion_of
from picofan.client import Event
from picofan.monitor.calibrate_push import Requester, history_of, push_and_save
from picofan.monitor.calibrate_steps import CalibrationSteps
from picofan.monitor.calibrate_tables import bar, curve_table, points_table, values_text
from picofan.monitor.confirm_push import ConfirmPush
from picofan.monitor.controls import check
from picofan.monitor.state import MonitorState
from picofan.values import parse_number


class CalibrateScreen(Screen[None]):
    """Over the monitor's own screen; the app hands it every event (take) and its
    state at every redraw (show)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "leave",
                tooltip="back to the monitor; nothing sent, the points forgotten"),
        Binding("ctrl+s", "push", "push and save",
                tooltip="the fit to the board and into its flash (asks first)"),
        Binding("ctrl+z", "undo", "undo",
                tooltip="back to the calibration before the last one pushed (asks first)"),
        Binding("ctrl+r", "drop", "drop point",
                tooltip="forget the point waiting to be taken, or else the last one taken"),
    ]
    DEFAULT_CSS = """
    CalibrateScreen {
        layout: vertical;
    }
    CalibrateScreen #calib-title {
        height: 1;
        padding: 0 1;
        background: $boost;
        text-style: bold;
    }
    CalibrateScreen #calib-live, CalibrateScreen #calib-settling {
        height: 1;
        padding: 0 1;
    }
    CalibrateScreen #calib-settling.stable {
        color: $success;
    }
    CalibrateScreen #calib-reference {
        margin: 0 1;
        width: 60;
    }
    CalibrateScreen #calib-status {
        height: 1;
        padding: 0 1;
    }
    CalibrateScreen .error {
        color: $error;
        text-style: bold;
    }
    CalibrateScreen .ok {
        color: $success;
    }
    CalibrateScreen .pending {
        color: $warning;
    }
    CalibrateScreen #calib-tables {
        height: 1fr;
    }
    CalibrateScreen #calib-points, CalibrateScreen #calib-curve {
        border: round $primary;
    }
    CalibrateScreen #calib-points {
        width: 1fr;
    }
    CalibrateScreen #calib-curve {
        width: 38;
    }
    CalibrateScreen #calib-fit {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, device: Requester, state: MonitorState) -> None:
        super().__init__()
        self.device = device
        self.state = state
        self.steps = CalibrationSteps()
        self.pushing = False

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="calib-title", markup=False)
        yield Static("live: waiting for the board", id="calib-live", markup=False)
        yield Static("", id="calib-settling", markup=False)
        yield Input(placeholder="reference °C (what the thermometer says), Enter",
                    id="calib-reference", compact=True)
        yield Static("", id="calib-status", markup=False)
        with Horizontal(id="calib-tables"):
            yield Static("", id="calib-points")
            yield Static("", id="calib-curve")
        yield Static("", id="calib-fit", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#calib-points").border_title = "points (resid.: fit − ref)"
        self.query_one("#calib-curve").border_title = "fit vs now, -20..100 °C"
        self.query_one("#calib-reference", Input).focus()
        self.say("hold the bead at a known temperature beside a reference thermometer, "
                 "type its reading, Enter: taken once the bar says stable", "")
        self.show(self.state)

    # -- data in (from the app) -----------------------------------------------------------
    @property
    def settling(self) -> Settling | None:
        """The settling judge, by the board's settings now."""
        return self.steps.settling(self.state.settings)

    def take(self, events: Iterable[Event]) -> None:
        """Every event the app applied since the last redraw, in order."""
        for event in events:
            if self.steps.feed(event, self.state.settings):
                self.take_now()

    def show(self, state: MonitorState) -> None:
        self.state = state
        if not self.is_mounted:
            return
        hello = state.hello or {}
        name = (state.settings or {}).get("name") or hello.get("uid") or "the board"
        self.query_one("#calib-title", Static).update(
            f"Calibrate the thermistor of {name}" + ("" if state.connected
                                                     else "  ·  DISCONNECTED"))
        self.show_live()
        self.show_fit()

    def show_live(self) -> None:
        live = self.query_one("#calib-live", Static)
        gauge = self.query_one("#calib-settling", Static)
        settling = self.settling
        tele = self.state.tele
        if settling is None or tele is None:
            live.update("live: waiting for the board")
            gauge.update("")
            return
        if tele["fault"]:
            live.update(f"live: thermistor fault ({tele['fault']}): no reading")
        elif settling.ohms is not None and settling.temp_c is not None:
            live.update(f"live: {settling.ohms:.1f} Ω  ·  {settling.temp_c:.2f} °C "
                        "by the board's settings (averaged)")
        else:
            live.update(f"live: {tele['ohms']} Ω  ·  averaging…")
        word = ("stable" if settling.stable
                else "settling" if self.steps.waiting is None
                else f"settling; then {self.steps.waiting:g} °C is taken")
        gauge.update(f"{bar(settling.progress)} {settling.progress:4.0%}  {word}")
        gauge.set_class(settling.stable, "stable")

    def show_fit(self) -> None:
        settings = self.state.settings
        points = self.query_one("#calib-points", Static)
        curve = self.query_one("#calib-curve", Static)
        line = self.query_one("#calib-fit", Static)
        if settings is None:
            return
        steps = self.steps
        found = steps.found
        points.update(points_table(steps.points, settings, found.residuals if found else None)
                      if steps.points else Text("none yet"))
        curve.update(curve_table(found) if found else Text("—"))
        if steps.refusal:
            line.update(f"fit refused: {steps.refusal}")
        elif found:
            line.update(f"fit: {found.kind} from {len(steps.points)} point"
                        f"{'' if len(steps.points) == 1 else 's'}: "
                        f"{values_text(found.changes)}  (Ctrl+S: push and save)")
        else:
            line.update("fit: take a point first")
        line.set_class(bool(steps.refusal), "error")

    def refit(self) -> None:
        if self.steps.refit(self.state.settings):
            self.show_fit()

    def say(self, text: str, kind: str) -> None:
        status = self.query_one("#calib-status", Static)
        status.update(text)
        for k in ("error", "pending", "ok"):
            status.set_class(k == kind, k)

    # -- taking points ----------------------------------------------------------------
    @on(Input.Submitted, "#calib-reference")
    def take_point(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.say("not taken: type the reference thermometer's reading (°C)", "error")
            return
        try:
            reference = float(parse_number(text, "reference °C"))
        except ValueError as e:
            self.say(f"not taken: {e}", "error")
            return
        event.input.value = ""
        self.steps.wait_for(reference)
        self.say(f"waiting: {reference:g} °C is taken once the reading is stable", "pending")
        self.show_live()

    def take_now(self) -> None:
        """The point waiting, taken: the reading is stable."""
        point = self.steps.take(self.state.settings)
        self.say(f"point {len(self.steps.points)} taken: {point.reference_c:g} °C at "
                 f"{point.ohms:.1f} Ω", "ok")
        self.refit()

    def action_drop(self) -> None:
        waited = self.steps.forget()
        if waited is not None:
            self.say(f"{waited:g} °C not taken", "ok")
            return
        dropped = self.steps.drop()
        if dropped is None:
            self.say("no point to drop", "error")
            return
        self.say(f"dropped the point at {dropped.reference_c:g} °C", "ok")
        self.refit()
        self.show_fit()

    # -- to the board -------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A push half done is finished (and recorded) before the screen goes.
        return not (action == "leave" and self.pushing)

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_push(self) -> None:
        if self.pushing:
            return
        found = self.steps.found
        if found is None:
            self.say(f"nothing to push: {self.steps.refusal or 'take a point first'}",
                     "error")
            return
        self.confirm("Push and save this calibration?", found.changes, undo=False)

    def action_undo(self) -> None:
        if self.pushing:
            return
        history = history_of(self.state.hello)
        try:
            before = history.previous() if history else None
        except (OSError, ValueError) as e:
            self.say(f"cannot undo: {e}", "error")
            return
        if before is None:
            self.say("nothing to undo: no calibration pushed to this board from here",
                     "error")
            return
        self.confirm("Undo: push and save the calibration before?", before, undo=True)

    def confirm(self, question: str, changes: Mapping[str, Any], *, undo: bool) -> None:
        why = check(self.state.settings, dict(changes))
        history = history_of(self.state.hello)
        if why or history is None:
            why = why or "no hello from the board yet (its uid keys the undo history)"
            self.say(f"not sent: {why}", "error")
            return

        def answered(yes: bool | None) -> None:
            if yes and history is not None:
                self.pushing = True
                self.say(f"pending: {values_text(changes)} save", "pending")
                self.push(history, dict(changes), conversion_of(self.state.settings or {}),
                          undo)
            else:
                self.say("not pushed: nothing changed", "")

        self.app.push_screen(ConfirmPush(question, changes), answered)

    @work(thread=True, group="calibrate")
    def push(self, history: History, changes: dict[str, Any], before: dict[str, Any],
             undo: bool) -> None:
        """calibrate_push's set and save, off the UI's thread; each reply to the
        state, and the outcome to pushed()."""
        def acked(reply: dict[str, Any]) -> None:
            self.app.call_from_thread(self.state.acked, reply)

        error = push_and_save(self.device, history, changes, before, undo, acked)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.pushed, changes, undo, error)

    def pushed(self, changes: dict[str, Any], undo: bool, error: str | None) -> None:
        self.pushing = False
        if error:
            self.say(error, "error")
            return
        self.say(("undone" if undo else "pushed") + f" and saved on the board: "
                 f"{values_text(changes)}", "ok")
        self.refit()  # against the board's new curve: the fit's changes are now its own
        self.show(self.state)

