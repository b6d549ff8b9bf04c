"""The bridge's log lines about refused commands, rate-limited: a flood of commands
(thousands a second) must not become thousands of lines a second. A burst of BURST
lines, then one every EVERY_S; each line that follows some left out says how many."""

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
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) / self.every_s)
        self._at = now
        if self._tokens < 1:
            self.left_out += 1
            return
        self._tokens -= 1
        more = []
        if self.left_out:
            more.append(f"{self.left_out} more refusals before it not logged")
        if self.unpublished:
            more.append(f"{self.unpublished} refusals not published (the broker took the "
                        "results too slowly)")
        self.left_out = self.unpublished = 0
        self.log.warning(line + (f" ({'; '.join(more)})" if more else ""))
