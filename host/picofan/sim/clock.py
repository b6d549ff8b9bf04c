"""The board's clock in the simulator: virtual milliseconds paced against real time."""

from __future__ import annotations

import time


class SimClock:
    """The board's time in ms since the simulator started: it moves when the firmware
    waits (paced against real time by `speed`: 1 real time, 50 fifty times faster,
    0 as fast as the CPU goes) and while it computes (see chip_runner.py)."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.ms = 0.0
        self.real0 = time.monotonic()

    def real_deadline(self, ms: float) -> float:
        return self.real0 + ms / 1000 / self.speed

    def to_at_least(self, ms: float) -> None:
        self.ms = max(self.ms, ms)

    def advance_real(self, seconds: float) -> None:
        """Board time for `seconds` of real time spent waiting on the hardware."""
        self.ms += seconds * 1000 * (self.speed if self.speed > 0 else 1)

    def catch_up_to_real(self, limit_ms: float) -> None:
        """Input arrived early: move to the board time matching real time."""
        real_ms = (time.monotonic() - self.real0) * self.speed * 1000
        self.ms = max(self.ms, min(real_ms, limit_ms))

    def hold(self, seconds: float) -> None:
        """The clock stood still this long (paused): keep pacing from here."""
        self.real0 += seconds
