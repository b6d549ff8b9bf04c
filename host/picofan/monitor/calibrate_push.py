"""A calibration, or its undo, to the board from the calibration screen (in the
screen's worker thread): set, then save, the undo history kept in step, and what
went wrong as one line. A calibration is recorded first, so one on the board always
has its undo on disk (taken back if the board does not have it); an undo is taken
off the history once the board has it (as `picofan calibrate`). Plain Python: the
screen runs it and shows the line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from picofan.calibration import History, conversion_of
from picofan.monitor.controls import REQUEST_FAILED, failure_text


class Requester(Protocol):
    """What the screen sends commands through (the app's Device)."""

    def request(self, cmd: str, /, **fields: Any) -> dict[str, Any]: ...


def history_of(hello: Mapping[str, Any] | None) -> History | None:
    """The board's undo history, by the uid of its hello (None before a hello)."""
    uid = (hello or {}).get("uid")
    return History(str(uid)) if uid else None


def push_and_save(device: Requester, history: History, changes: dict[str, Any],
                  before: dict[str, Any], undo: bool,
                  acked: Callable[[dict[str, Any]], None]) -> str | None:
    """set, then save (each reply to `acked`); None, or what went wrong."""
    error: str | None = None
    try:
        if not undo:
            history.record(before, conversion_of({**before, **changes}))
    except OSError as e:
        error = f"not sent: the undo history cannot be written ({e})"
    if error is None:
        try:
            reply = device.request("set", **changes)
            acked(reply)
            saved = device.request("save")
            acked(saved)
        except REQUEST_FAILED as e:
            error = failure_text(e)
        try:
            # (a failed calibration's record, or an undo the board now has)
            if (error is None) == undo:
                history.undone()
        except OSError as e:
            error = f"{error or 'done on the board'}, but the undo history was not " \
                    f"updated ({e})"
    return error
