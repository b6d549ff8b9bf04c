"""A fault starting and ending, for the device messages panel, in the events log's
words (narrate.fault_change). A fault that keeps coming and going (a loose wire)
would fill the panel: past BURST starts and ends in one spell they are counted,
not listed, and said once the spell is over (QUIET_S without a change, on the
board's clock). At most BURST + 2 lines a spell, however fast it flaps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from picofan.narrate import fault_change
from picofan.spec import wire

BURST = 6  # starts and ends listed one by one in a spell
QUIET_S = 60.0  # a spell is over after this long without a change (board seconds)


class FaultNotes:
    def __init__(self) -> None:
        self.changes = 0  # starts and ends in this spell
        self.last_ms: int | None = None  # the board's clock at the spell's last change
        self.hidden = 0  # of them, counted and not listed
        self.hidden_kind = ""
        self.hidden_last: datetime | None = None

    def lines(self, before: dict[str, Any] | None, now: dict[str, Any],
              at: datetime) -> list[str]:
        """What to say for this reading (`before`: the one before it, None at the first)."""
        said = []
        gap = None if self.last_ms is None else now["ms"] - self.last_ms
        if gap is not None and not 0 <= gap < QUIET_S * 1000:  # (< 0: the board restarted)
            if self.hidden:
                said.append(self.summary(now))
            self.changes = self.hidden = 0
            self.last_ms = None
        change = fault_change(before, now)
        if change is None:
            return said
        self.changes += 1
        self.last_ms = now["ms"]
        if self.changes <= BURST:
            return [*said, change]
        if not self.hidden:
            self.hidden_kind = str(now["fault"] or (before or {}).get("fault"))
            said.append(f"fault {self.hidden_kind} keeps coming and going: its starts and "
                        f"ends are counted, not listed, until it holds still for "
                        f"{QUIET_S:g} s")
        self.hidden += 1
        self.hidden_last = at
        return said

    def summary(self, now: dict[str, Any]) -> str:
        fault = now["fault"]
        state = f"fault {fault}: {wire.FAULTS.get(fault, fault)}" if fault else "no fault"
        last = f" (the last at {self.hidden_last:%H:%M:%S})" if self.hidden_last else ""
        return (f"fault {self.hidden_kind} came and went: {self.hidden} more starts and "
                f"ends{last}, not listed; now {state}")
