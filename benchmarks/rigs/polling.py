"""Waiting for a condition, never for a duration: the one polling helper the tests
share. The timeout is generous on purpose (a busy machine is slow, not wrong): only
a condition that never holds reaches it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
WAIT_S = 60.0


def until(check: Callable[[], T], what: str = "the condition", timeout: float = WAIT_S,
          every_s: float = 0.02) -> T:
    """Call check() until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened in {timeout:.0f} s: {what}")
        time.sleep(every_s)


async def until_async(check: Callable[[], T], pause: Callable[[float], Awaitable[object]],
                      what: str = "the condition", timeout: float = WAIT_S,
                      every_s: float = 0.05) -> T:
    """until() for an event loop: `pause(seconds)` lets it run between looks (a Textual
    pilot's pause, say)."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened in {timeout:.0f} s: {what}")
        await pause(every_s)
