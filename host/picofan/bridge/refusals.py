"""The bridge's log lines about refused commands, rate-limited: a flood of commands
(thousands a second) must not become thousands of lines a second. A burst of BURST
lines, then one every EVERY_S; each line that follows some left out says how many, and
when the flood ends, one line says how many the last lines left out."""

from __future__ import annotations

import logging
import time

BURST = 100  # lines said at once (every bad payload of a test run, say)
EVERY_S = 5.0  # then one line per this, at most


class RefusalLog:
    def __init__(self, log: logging.Logger, burst: int = BURST,
                 every_s: float = EVERY_S) -> None:
        self.log = log
        self.burst = burst
        self.every_s = every_s
        self._tokens = float(burst)
        self._at = time.monotonic()
        self.left_out = 0  # refusals not logged since the last line
        self.unpublished = 0  # refusals the broker had no room for, since the last line

    def say(self, line: str) -> None:
        """Log this refusal's line, or count it as left out. (Under the caller's lock.)"""
        if not self._take(time.monotonic()):
            self.left_out += 1
            return
        more = self._counts("before it")
        self.log.warning(line + (f" ({'; '.join(more)})" if more else ""))

    def settle(self, now: float) -> float | None:
        """Say what was left out once a line is allowed again; the seconds until then, or
        None with nothing to say. (Under the caller's lock; its publisher calls it.)"""
        if not (self.left_out or self.unpublished):
            return None
        if not self._take(now):
            return (1 - self._tokens) * self.every_s
        self.log.warning("; ".join(self._counts("since the last line")))
        return None

    def _take(self, now: float) -> bool:
        self._tokens = min(self.burst, self._tokens + (now - self._at) / self.every_s)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def _counts(self, when: str) -> list[str]:
        more = []
        if self.left_out:
            more.append(f"{self.left_out} more refusals {when} not logged")
        if self.unpublished:
            more.append(f"{self.unpublished} refusals not published (the broker took the "
                        "results too slowly)")
        self.left_out = self.unpublished = 0
        return more
