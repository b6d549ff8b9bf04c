"""Stopping cleanly on every signal a terminal sends.

Ctrl-C (SIGINT), Ctrl-\\ (SIGQUIT), a closed terminal (SIGHUP) and `kill`
(SIGTERM) all stop a picofan command the same way: as a KeyboardInterrupt
(`Stopped`) in the main thread, so every `finally` runs: the virtual Pico
stops, its folder goes, the log is flushed and summed up. Only the first signal
counts, and cleanup inside `shielded()` is never cut short by one."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


class Stopped(KeyboardInterrupt):
    """A terminal signal asked the command to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _State:
    received: int | None = None  # the first signal
    acted = False  # Stopped raised, or the callback called, for it
    shield = 0  # depth of shielded() blocks
    callback: Callable[[int], None] | None = None


def _handler(signum: int, frame: FrameType | None) -> None:
    if _State.callback is not None:
        # An event loop decides for itself (a hang-up after a SIGTERM still matters).
        _State.received, _State.acted = _State.received or signum, True
        _State.callback(signum)
        return
    if _State.received is not None:
        return  # already stopping
    _State.received = signum
    if _State.shield == 0:
        _State.acted = True
        raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within: the first of SIGNALS raises Stopped in the main thread."""
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    _State.received, _State.acted = None, False
    for s in SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Cleanup that a signal must not cut short: a signal that comes during it
    takes effect (Stopped) right after it."""
    _State.shield += 1
    try:
        yield
    finally:
        _State.shield -= 1
    if _State.shield == 0 and _State.received is not None and not _State.acted:
        _State.acted = True
        raise Stopped(_State.received)


@contextlib.contextmanager
def calling(callback: Callable[[int], None]) -> Iterator[None]:
    """Within: every signal calls callback(signum) instead of raising, for an
    event loop that stops itself. The callback runs between two bytecodes of the
    main thread: it should only set flags."""
    _State.callback = callback
    try:
        if _State.received is not None and not _State.acted:
            _State.acted = True
            callback(_State.received)  # it came during a shielded step just before
        yield
    finally:
        _State.callback = None
