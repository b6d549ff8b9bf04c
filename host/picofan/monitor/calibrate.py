"""The calibration screen (t, or "calibrate the thermistor" in the palette): the
board's averaged ohms and temperature, a settling indicator, a box for the reference
thermometer's reading (Enter: the point is taken once the reading is stable), the points
with their residuals, the fit against the current curve over -20..100 degC or the
one-line reason it is refused, "push and save" behind one confirmation, and undo.
Escape leaves it and changes nothing on the board.

The math is picofan.calibration's; this module only shows it and sends what it
says. Telemetry comes from the app (take()), not from the port: one reader."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Static
from textual.worker import get_current_worker

from fanctl.thermistor import ohms_to_c
from picofan.calibration import CONVERSION, CalibrationError, Fit, History, Point, Settling, fit
from picofan.client import Disconnected, Event, Rebooted
from picofan.monitor.controls import REQUEST_FAILED, check, failure_text
from picofan.monitor.state import MonitorState
from picofan.narrate import is_telemetry
from picofan.values import parse_number

CURVE_AT_C = (-20, 0, 20, 40, 60, 80, 100)  # the curve table's rows (nearest grid point)
BAR_CELLS = 20


class Requester(Protocol):
    """What the screen sends commands through (the app's Device)."""

    def request(self, cmd: str, /, **fields: Any) -> dict[str, Any]: ...


def conversion(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {k: settings[k] for k in CONVERSION if k in settings}


def bar(progress: float, cells: int = BAR_CELLS) -> str:
    """████████░░░░ for 0..1."""
    full = round(max(0.0, min(progress, 1.0)) * cells)
    return "█" * full + "░" * (cells - full)


def signed(value: float) -> str:
    return f"{round(value, 2) + 0.0:+.2f}"  # (+ 0.0: no "-0.00")


def degrees(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"


def values_text(changes: Mapping[str, Any]) -> str:
    """"model=beta r0=10012.3 beta=3961.25": floats to 6 figures, for reading (the
    board gets them whole)."""
    return " ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in changes.items())


def points_table(points: list[Point], settings: Mapping[str, Any],
                 residuals: list[float] | None) -> Table:
    """Each point: the reference, the board's ohms, what the board reads there now,
    and the fit's residual (fitted minus reference)."""
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("#", "ref °C", "ohms", "now °C", "resid."):
        table.add_column(name, justify="right", no_wrap=True)
    for i, p in enumerate(points):
        residual = signed(residuals[i]) if residuals and i < len(residuals) else "—"
        table.add_row(str(i + 1), degrees(p.reference_c), f"{p.ohms:.1f}",
                      degrees(ohms_to_c(p.ohms, settings)), residual)
    return table


def curve_rows(curve: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """The grid points nearest CURVE_AT_C by the new fit, once each, in order."""
    if not curve:
        return []
    picked = []
    for at in CURVE_AT_C:
        row = min(curve, key=lambda r: abs(r[0] - at))
        if row not in picked:
            picked.append(row)
    return picked


def curve_table(found: Fit) -> Table:
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("ohms", "now °C", "fit °C", "Δ °C"):
        table.add_column(name, justify="right", no_wrap=True)
    for new_c, now_c, ohms in curve_rows(found.curve):
        table.add_row(f"{ohms:.0f}", degrees(now_c), degrees(new_c), signed(new_c - now_c))
    return table


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
        self.points: list[Point] = []
        self.found: Fit | None = None
        self.refusal: str | None = None
        self.pushing = False
        self.waiting: float | None = None  # a reference typed, to take once stable
        self._settling: Settling | None = None
        self._settling_for: dict[str, Any] | None = None  # the conversion it judges by

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
        """The settling judge, made again when the board's conversion changes (its
        temperatures are by the current settings)."""
        settings = self.state.settings
        if settings is None:
            return None
        if self._settling is None or self._settling_for != conversion(settings):
            self._settling = Settling(settings)
            self._settling_for = conversion(settings)
        return self._settling

    def take(self, events: Iterable[Event]) -> None:
        """Every event the app applied since the last redraw, in order."""
        for event in events:
            settling = self.settling
            if settling is None:
                continue
            if is_telemetry(event):
                tele = event.message.data
                settling.add(None if tele["fault"] else tele["ohms"], int(tele["ms"]))
            elif isinstance(event, (Disconnected, Rebooted)):
                settling.add(None, 0)  # a gap, or a clock started again: start over
            if self.waiting is not None and settling.stable:
                self.take_now(self.waiting)

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
                else "settling" if self.waiting is None
                else f"settling; then {self.waiting:g} °C is taken")
        gauge.update(f"{bar(settling.progress)} {settling.progress:4.0%}  {word}")
        gauge.set_class(settling.stable, "stable")

    def show_fit(self) -> None:
        settings = self.state.settings
        points = self.query_one("#calib-points", Static)
        curve = self.query_one("#calib-curve", Static)
        line = self.query_one("#calib-fit", Static)
        if settings is None:
            return
        found = self.found
        points.update(points_table(self.points, settings, found.residuals if found else None)
                      if self.points else Text("none yet"))
        curve.update(curve_table(found) if found else Text("—"))
        if self.refusal:
            line.update(f"fit refused: {self.refusal}")
        elif found:
            line.update(f"fit: {found.kind} from {len(self.points)} point"
                        f"{'' if len(self.points) == 1 else 's'}: "
                        f"{values_text(found.changes)}  (Ctrl+S: push and save)")
        else:
            line.update("fit: take a point first")
        line.set_class(bool(self.refusal), "error")

    def refit(self) -> None:
        self.found, self.refusal = None, None
        settings = self.state.settings
        if not self.points or settings is None:
            return
        try:
            self.found = fit(self.points, settings)
        except CalibrationError as e:
            self.refusal = str(e)
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
        # A window of its own, from now: readings from before the bead reached this
        # reference (still "stable" at the last one) are not its point.
        self._settling = None
        self.waiting = reference
        self.say(f"waiting: {reference:g} °C is taken once the reading is stable", "pending")
        self.show_live()

    def take_now(self, reference: float) -> None:
        """The point: `reference` and the ohms averaged over the stable window."""
        settling = self.settling
        assert settling is not None and settling.ohms is not None
        self.waiting = None
        self.points.append(Point(reference, settling.ohms))
        self.say(f"point {len(self.points)} taken: {reference:g} °C at "
                 f"{settling.ohms:.1f} Ω", "ok")
        self.refit()

    def action_drop(self) -> None:
        if self.waiting is not None:
            self.say(f"{self.waiting:g} °C not taken", "ok")
            self.waiting = None
            return
        if not self.points:
            self.say("no point to drop", "error")
            return
        dropped = self.points.pop()
        self.say(f"dropped the point at {dropped.reference_c:g} °C", "ok")
        self.refit()
        self.show_fit()

    # -- to the board -------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A push half done is finished (and recorded) before the screen goes.
        return not (action == "leave" and self.pushing)

    def action_leave(self) -> None:
        self.dismiss(None)

    def history(self) -> History | None:
        uid = (self.state.hello or {}).get("uid")
        return History(str(uid)) if uid else None

    def action_push(self) -> None:
        if self.pushing:
            return
        if self.found is None:
            self.say(f"nothing to push: {self.refusal or 'take a point first'}", "error")
            return
        self.confirm("Push and save this calibration?", self.found.changes, undo=False)

    def action_undo(self) -> None:
        if self.pushing:
            return
        history = self.history()
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
        history = self.history()
        if why or history is None:
            why = why or "no hello from the board yet (its uid keys the undo history)"
            self.say(f"not sent: {why}", "error")
            return

        def answered(yes: bool | None) -> None:
            if yes and history is not None:
                self.pushing = True
                self.say(f"pending: {values_text(changes)} save", "pending")
                self.push(history, dict(changes), conversion(self.state.settings or {}), undo)
            else:
                self.say("not pushed: nothing changed", "")

        self.app.push_screen(ConfirmPush(question, changes), answered)

    @work(thread=True, group="calibrate")
    def push(self, history: History, changes: dict[str, Any], before: dict[str, Any],
             undo: bool) -> None:
        """set, then save. A calibration is recorded first, so one on the board always
        has its undo on disk (taken back if the board does not have it); an undo is
        taken off the history once the board has it (as `picofan calibrate`)."""
        error: str | None = None
        try:
            if not undo:
                history.record(before, conversion({**before, **changes}))
        except OSError as e:
            error = f"not sent: the undo history cannot be written ({e})"
        if error is None:
            try:
                reply = self.device.request("set", **changes)
                self.app.call_from_thread(self.state.acked, reply)
                saved = self.device.request("save")
                self.app.call_from_thread(self.state.acked, saved)
            except REQUEST_FAILED as e:
                error = failure_text(e)
            try:
                # (a failed calibration's record, or an undo the board now has)
                if (error is None) == undo:
                    history.undone()
            except OSError as e:
                error = f"{error or 'done on the board'}, but the undo history was not " \
                        f"updated ({e})"
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

