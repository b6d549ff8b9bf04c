"""The calibration in progress on the calibration screen: the points taken, the fit
they make or the one-line reason it is refused, a reference waiting for the reading
to settle, and the settling judge fed the board's telemetry. Plain Python (no
Textual): the screen feeds it the app's events, with the board's settings, and
shows it. The math is picofan.calibration's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from picofan.calibration import CalibrationError, Fit, Point, Settling, conversion_of, fit
from picofan.client import Disconnected, Event, Rebooted
from picofan.narrate import is_telemetry


class CalibrationSteps:
    def __init__(self) -> None:
        self.points: list[Point] = []
        self.found: Fit | None = None
        self.refusal: str | None = None
        self.waiting: float | None = None  # a reference typed, to take once stable
        self._settling: Settling | None = None
        self._settling_for: dict[str, Any] | None = None  # the conversion it judges by

    def settling(self, settings: Mapping[str, Any] | None) -> Settling | None:
        """The settling judge, made again when the board's conversion changes (its
        temperatures are by the current settings)."""
        if settings is None:
            return None
        if self._settling is None or self._settling_for != conversion_of(settings):
            self._settling = Settling(settings)
            self._settling_for = conversion_of(settings)
        return self._settling

    def feed(self, event: Event, settings: Mapping[str, Any] | None) -> bool:
        """One event the app applied; whether the reference waiting is to be taken now."""
        settling = self.settling(settings)
        if settling is None:
            return False
        if is_telemetry(event):
            tele = event.message.data
            settling.add(None if tele["fault"] else tele["ohms"], int(tele["ms"]))
        elif isinstance(event, (Disconnected, Rebooted)):
            settling.add(None, 0)  # a gap, or a clock started again: start over
        return self.waiting is not None and settling.stable

    def wait_for(self, reference: float) -> None:
        # A window of its own, from now: readings from before the bead reached this
        # reference (still "stable" at the last one) are not its point.
        self._settling = None
        self.waiting = reference

    def take(self, settings: Mapping[str, Any] | None) -> Point:
        """The point: the reference waiting and the ohms averaged over the stable window."""
        settling = self.settling(settings)
        reference = self.waiting
        assert settling is not None and settling.ohms is not None and reference is not None
        self.waiting = None
        point = Point(reference, settling.ohms)
        self.points.append(point)
        return point

    def forget(self) -> float | None:
        """The reference waiting, not taken after all (None: none was)."""
        reference, self.waiting = self.waiting, None
        return reference

    def drop(self) -> Point | None:
        """The last point taken, forgotten (None: none was)."""
        return self.points.pop() if self.points else None

    def refit(self, settings: Mapping[str, Any] | None) -> bool:
        """The fit of the points now, or why it is refused; False: no points, or no
        settings to fit against (found and refusal both None)."""
        self.found, self.refusal = None, None
        if not self.points or settings is None:
            return False
        try:
            self.found = fit(self.points, settings)
        except CalibrationError as e:
            self.refusal = str(e)
        return True
