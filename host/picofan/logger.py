"""The CSV log: one row per telemetry line, flushed as written and fsynced at
least once a second, so a crash or a pulled cable loses at most the last second.
Device messages and link events go to a side file, never into the CSV."""

from __future__ import annotations

import csv
import os
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from picofan.spec import wire

# The columns are the telemetry fields of the wire format, after the host's clock.
TELE_FIELDS = [name for name, _ in wire.MESSAGES["tele"]]
COLUMNS = ["host_time", *TELE_FIELDS]
FSYNC_EVERY_S = 1.0


def default_path(folder: str | Path = "logs", at: datetime | None = None) -> Path:
    at = at or datetime.now()
    return Path(folder) / f"picofan-{at:%Y%m%d-%H%M%S}.csv"


def events_path(csv_path: Path) -> Path:
    return csv_path.with_suffix(".events.log")


class LogPathError(Exception):
    """A log path that cannot be used; the message says why."""


def check_log_path(path: Path) -> None:
    """Refuse a path that cannot take the log, before anything is created or sent."""
    for target in (path, events_path(path)):
        if target.is_dir():
            raise LogPathError(f"--log {target} is a folder; give a file name, "
                               f"e.g. {target / 'run.csv'}")
    folder = path.parent
    while not folder.exists():  # the nearest folder that exists (CsvLog makes the rest)
        folder = folder.parent
    if not folder.is_dir():
        raise LogPathError(f"--log {path}: {folder} is not a folder")
    for target in (path, events_path(path)):
        where = target if target.exists() else folder
        if not os.access(where, os.W_OK):
            raise LogPathError(f"--log {path}: {where} is not writable")


def open_log(path: Path) -> CsvLog:
    """A CsvLog, or LogPathError with the reason (disk full, permissions...)."""
    check_log_path(path)
    try:
        return CsvLog(path)
    except OSError as e:
        raise LogPathError(f"cannot write the log {path}: {e.strerror or e}") from None


class CsvLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._file: IO[str] = open(self.path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._events: IO[str] = open(events_path(self.path), "a", encoding="utf-8")  # noqa: SIM115
        self._synced = time.monotonic()
        self.rows = 0
        if new:
            self._csv.writerow(COLUMNS)
            self._flush(force=True)

    def telemetry(self, at: datetime, msg: dict[str, Any]) -> None:
        row: list[Any] = [at.isoformat(timespec="milliseconds")]
        for name in TELE_FIELDS:
            v = msg[name]
            row.append("" if v is None else int(v) if isinstance(v, bool) else v)
        self._csv.writerow(row)
        self.rows += 1
        self._flush()

    def event(self, at: datetime, kind: str, text: str) -> None:
        self._events.write(f"{at.isoformat(timespec='milliseconds')}\t{kind}\t{text}\n")
        self._events.flush()

    def _flush(self, force: bool = False) -> None:
        self._file.flush()
        if force or time.monotonic() - self._synced >= FSYNC_EVERY_S:
            os.fsync(self._file.fileno())
            os.fsync(self._events.fileno())
            self._synced = time.monotonic()

    def close(self) -> None:
        if not self._file.closed:
            self._flush(force=True)
            self._file.close()
            self._events.close()
