"""`picofan monitor --replay FILE.csv`: a saved log in the monitor. The log's rows
become the link events a board would have produced (a connection, then each reading,
and a restart where the boot id changes), so the monitor draws them as it draws a
live board: the screen shows the log up to its last reading. Nothing can be sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from picofan.client import Connected, Event, Rebooted, Received
from picofan.log_read import read_log_file
from picofan.protocol import Message


class Replay:
    """What the monitor needs of a Device, from a saved log (read-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        log = read_log_file(path)  # LogReadError: the monitor never starts
        rows = log.readings
        self.readings = len(rows)
        self.skipped = log.skipped_text()  # the bad rows left out ('' with none)
        self.skipped_rows = log.skipped
        self.first, self.last = rows[0][0], rows[-1][0]  # host times of the first and last
        self._pending: list[Event] = [Connected(port=str(path), at=rows[0][0])]
        boot = rows[0][1]["boot"]
        for at, msg in rows:
            if msg["boot"] != boot:
                self._pending.append(Rebooted(boot, msg["boot"], at=at))
                boot = msg["boot"]
            self._pending.append(Received(Message("tele", msg), at=at))
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        self._closed.set()

    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """All of the log at once, then nothing (waiting `timeout` s, as a quiet board)."""
        pending, self._pending = self._pending, []
        yield from pending
        if not pending:
            self._closed.wait(timeout)

    def request(self, cmd: str, /, **fields: Any) -> dict[str, Any]:
        raise ValueError(f"a replay of {self.path.name} is read-only: nothing goes to a board")
