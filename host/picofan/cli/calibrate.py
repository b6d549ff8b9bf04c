"""`picofan calibrate`: calibrate the board's thermistor against reference points, at a
terminal or from a pipe (a script, a test). For each point the person holds the bead at a
known temperature (ice water, beside a reference thermometer, warm water) and types that
temperature; the command waits until the board's reading is still (picofan.calibration's
Settling, with a settling indicator), takes the board's averaged ohms, and after the last
point (Enter alone) shows the fit, pushes and saves it on one confirmation and records what
it replaced (History) so `picofan calibrate --undo` can put it back.
Bad input is one line and changes nothing: a typo asks again, Ctrl-C, end of input or an
unplugged board stop with nothing changed. docs/calibration.md is the user's guide."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any, TextIO

from fanctl import settings as board_settings
from picofan import shutdown
from picofan.calibration import (
    CalibrationError,
    Fit,
    History,
    Point,
    Settling,
    conversion_of,
    fit,
)
from picofan.cli.options import device_command
from picofan.cli.output import BAD_INPUT, OK, fail
from picofan.client import Device, Disconnected, Received
from picofan.link import LinkLost
from picofan.session import session
from picofan.values import parse_number

BAR = 24  # characters in the settling indicator


class Stop(Exception):
    """The person ended it (end of input, no points, a no): nothing was changed."""

    def __init__(self, why: str, code: int = BAD_INPUT) -> None:
        super().__init__(why)
        self.code = code


def add_command(sub: Any) -> None:
    c = device_command(sub, "calibrate", "calibrate the thermistor against reference points")
    c.add_argument("--undo", action="store_true", help="put back the previous calibration")
    c.set_defaults(func=cmd_calibrate)


def say(text: str, out: TextIO | None = None, end: str = "\n") -> None:
    stream = out or sys.stdout
    stream.write(text + end)
    stream.flush()


def ask(prompt: str) -> str:
    """One line typed (or piped); Stop at the end of the input."""
    say(prompt, end="")
    line = sys.stdin.readline()
    if not line:
        say("")
        raise Stop("end of input")
    return line.strip()


def conversion(s: dict[str, Any]) -> str:
    if s["model"] == "steinhart":
        return f"Steinhart-Hart (A {s['sh_a']:.6e}, B {s['sh_b']:.6e}, C {s['sh_c']:.6e})"
    return f"Beta (R0 {s['r0']:.1f} ohms at {s['t0']:g} degC, Beta {s['beta']:.1f} K)"


def read_temperature(number: int) -> float | None:
    """The reference temperature for point `number`; None when the person is done."""
    while True:
        text = ask(f"point {number}: hold the bead at the reference, then type its "
                   "temperature in degC (Enter alone: done): ")
        if not text:
            return None
        try:
            value = float(parse_number(text, "temperature"))
        except ValueError:
            say(f"picofan: {text!r} is not a temperature in degC (e.g. 0 or 21,4); "
                "nothing taken, type it again", sys.stderr)
            continue
        if not -30.0 <= value <= 130.0:
            say(f"picofan: {value:g} degC is outside -30..130 degC; nothing taken, "
                "type it again", sys.stderr)
            continue
        return value


def indicator(s: Settling) -> str:
    filled = round(s.progress * BAR)
    drift = "" if s.drift_c_per_min is None else f"  drift {s.drift_c_per_min:+.3f} degC/min"
    temp = "" if s.temp_c is None else f"  {s.temp_c:.3f} degC"
    return f"  settling [{'#' * filled}{'.' * (BAR - filled)}] {s.progress:4.0%}{temp}{drift}"


def settle(dev: Device, settings: dict[str, Any], tty: bool) -> Settling:
    """Feed the board's readings to Settling until it is stable (from now on: what came
    while the person typed is dropped)."""
    dev.poll_events()
    settling = Settling(settings)
    drawn = 0  # the width of the settling line on the terminal now
    while not settling.stable:
        event = dev.next_event(1.0)
        if dev.closed:
            raise LinkLost("the connection closed while settling: nothing changed")
        if isinstance(event, Disconnected):
            raise LinkLost(f"the board went away while settling ({event.reason}): "
                           "nothing changed")
        if not isinstance(event, Received) or event.message.type != "tele":
            continue
        data = event.message.data
        settling.add(data.get("ohms"), int(data["ms"]))
        if data.get("fault"):
            say(f"  the board reports a fault ({data['fault']}): waiting for a reading"
                .ljust(drawn))
        line = indicator(settling)
        # A terminal's line is redrawn in place: padded over what was there before.
        say(line.ljust(drawn), end="\r" if tty else "\n")
        drawn = len(line) if tty else 0
    if tty:
        say("")
    return settling


def show_fit(result: Fit, points: list[Point]) -> None:
    say(f"fit: {result.kind} (" + ", ".join(f"{k} {v:.6g}" if isinstance(v, float)
                                              else f"{k} {v}"
                                              for k, v in result.changes.items()) + ")")
    say("residuals (the fit minus the reference):")
    for p, r in zip(points, result.residuals, strict=True):
        say(f"  {p.reference_c:8.3f} degC  {p.ohms:10.1f} ohms  {r:+.4f} degC")
    say("the new curve against the current settings, -20..100 degC:")
    say("      ohms   new degC   now degC   change")
    for new_c, now_c, ohms in result.curve:
        if abs(new_c / 10 - round(new_c / 10)) < 1e-6:  # every 10 degC
            say(f"  {ohms:8.1f}   {new_c:8.2f}   {now_c:8.2f}   {new_c - now_c:+.2f}")


def confirmed(question: str) -> bool:
    return ask(f"{question} [y/N] ").lower() in ("y", "yes")


def push(dev: Device, changes: dict[str, Any]) -> dict[str, Any]:
    """Set and save; the board's settings after."""
    reply = dev.request("set", **changes)
    dev.request("save")
    return dict(reply["settings"])


def board(dev: Device) -> tuple[dict[str, Any], str]:
    hello = dev.request("hello")
    settings = dict(dev.request("get")["settings"])
    uid = str(hello.get("uid") or "unknown")
    name = settings.get("name") or "(unnamed)"
    say(f"board {name} (uid {uid}) on {dev.link.port}: {conversion(settings)}")
    return settings, uid


def calibrate(dev: Device, tty: bool) -> int:
    settings, uid = board(dev)
    say("Take 1 to 4 points, a few degrees apart at least: 1 gives an offset, 2 Beta and "
        "R0, 3 or more Steinhart-Hart (ice water, room against a reference thermometer, "
        "warm water).")
    points: list[Point] = []
    while True:
        reference = read_temperature(len(points) + 1)
        if reference is None:
            break
        settled = settle(dev, settings, tty)
        assert settled.ohms is not None and settled.temp_c is not None
        points.append(Point(reference, settled.ohms))
        say(f"  point {len(points)} taken: {reference:g} degC reference, {settled.ohms:.1f} "
            f"ohms (the board reads {settled.temp_c:.3f} degC)")
    if not points:
        raise Stop("no points taken")
    try:
        result = fit(points, settings)
    except CalibrationError as e:
        return fail(BAD_INPUT, f"fit refused: {e}; nothing changed")
    show_fit(result, points)
    if not confirmed("Push this calibration to the board and save it?"):
        raise Stop("not confirmed", OK)
    history = History(uid)
    after = board_settings.merge(settings, result.changes)
    # Recorded first, so a calibration on the board always has its undo on disk.
    with shutdown.shielded():
        history.record(conversion_of(settings), conversion_of(after))
        try:
            now = push(dev, result.changes)
        except BaseException:
            history.undone()
            raise
    say(f"saved on the board: {conversion(now)}")
    say("`picofan calibrate --undo` puts back the previous calibration")
    return OK


def undo(dev: Device) -> int:
    settings, uid = board(dev)
    history = History(uid)
    previous = history.previous()
    if previous is None:
        return fail(BAD_INPUT, f"no calibration of board {uid} to undo (none recorded in "
                               f"{history.path}); nothing changed")
    try:
        back = board_settings.merge(settings, previous)
    except board_settings.Invalid as e:
        return fail(BAD_INPUT, f"the recorded calibration is refused ({e.msg}); nothing "
                               "changed")
    say(f"the previous calibration: {conversion(back)}")
    if not confirmed("Push it back to the board and save it?"):
        raise Stop("not confirmed", OK)
    with shutdown.shielded():
        now = push(dev, previous)
        history.undone()
    say(f"saved on the board: {conversion(now)}")
    return OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    tty = sys.stdout.isatty()
    try:
        with session(args) as held:
            return undo(held.device) if args.undo else calibrate(held.device, tty)
    except Stop as e:
        return fail(e.code, f"stopped ({e}): nothing changed")
    except KeyboardInterrupt as e:  # Ctrl-C, and the other terminal signals
        signum = e.signum if isinstance(e, shutdown.Stopped) else signal.SIGINT
        return fail(128 + signum, f"stopped ({signal.Signals(signum).name}): nothing changed")

