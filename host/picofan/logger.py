"""The CSV log: one row per telemetry line, flushed as written and fsynced at
least once a second, so a crash or a pulled cable loses at most the last second.
Device messages and link events go to a side file, never into the CSV.

Made for spreadsheets and pandas: units in the column names, the host's local time
as `YYYY-MM-DD HH:MM:SS.mmm` (what spreadsheets parse) with its UTC offset in the
next column, and a `source` column that tells a virtual Pico's rows from a board's."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from picofan.client import Event, Received
from picofan.narrate import fault_change, is_telemetry
from picofan.spec import wire

# The columns: the host's clock, where the rows came from, then the telemetry fields
# of the wire format, named with their units.
TELE_FIELDS = [name for name, _ in wire.MESSAGES["tele"]]
# Units in the names: degrees C, and ms on the board's own clock (ohms names its unit;
# raw is read_u16 counts).
_RENAMED = {"ms": "board_ms", "temp": "temp_c", "setpoint": "setpoint_c",
            "hysteresis": "hysteresis_c"}
TELE_COLUMNS = [_RENAMED.get(name, name) for name in TELE_FIELDS]
# Then the settings in force that say what the readings mean (tele does not carry them):
# how the fan is driven and how auto mode picks its duty, with the curve's ends; as the
# board last reported them (its hello, a reply), empty before it has.
SETTING_COLUMNS = {"output": "output", "control": "control", "curve_low": "curve_low_c",
                   "curve_high": "curve_high_c"}
COLUMNS = ["host_time", "utc_offset", "source", *TELE_COLUMNS, *SETTING_COLUMNS.values()]
# Columns added since the first picofan logs, each with the layout that added it and
# what an older log's row meant by its absence: before layout 4 (protocol 4) the fan
# was only switched (100 % duty while on) and had no tach; before 5 (protocol 5) a
# board had no Wi-Fi; before 6 the settings in force were not logged (unknown); before
# 7 (protocol 6) tele had no demand (the duty as driven is the best word for it) and no
# kick (read as none: the monitor showed none in a replay). Such logs are read (plot,
# the monitor's replay), never appended to.
ADDED_COLUMNS: dict[str, tuple[int, Callable[[dict[str, str]], str]]] = {
    "duty": (4, lambda cells: "100.0" if cells["fan"] == "1" else "0.0"),
    "rpm": (4, lambda cells: ""),
    "wifi": (5, lambda cells: "off"),
    "rssi": (5, lambda cells: ""),
    "mqtt": (5, lambda cells: "off"),
    **{column: (6, lambda cells: "") for column in SETTING_COLUMNS.values()},
    "demand": (7, lambda cells: cells["duty"]),
    "kick": (7, lambda cells: "0"),
}
# The layouts older picofans wrote, newest first: 6's, 5's, 4's, then 3's.
OLDER_LAYOUTS = [[c for c in COLUMNS if ADDED_COLUMNS.get(c, (0,))[0] <= version]
                 for version in (6, 5, 4, 3)]
OLDER_COLUMNS = OLDER_LAYOUTS[-1]  # the first picofan logs (protocol 3)
SOURCES = ("board", "sim")  # a real board over USB, or a virtual Pico
FSYNC_EVERY_S = 1.0


def default_path(folder: str | Path = "logs", at: datetime | None = None,
                 source: str = "board") -> Path:
    """logs/picofan-DATE-TIME.csv; a virtual Pico's runs are picofan-sim-DATE-TIME.csv."""
    at = at or datetime.now()
    kind = "picofan-sim" if source == "sim" else "picofan"
    return Path(folder) / f"{kind}-{at:%Y%m%d-%H%M%S}.csv"


def spreadsheet_time(at: datetime) -> tuple[str, str]:
    """(local time as spreadsheets parse it, its UTC offset as +HH:MM)."""
    at = at if at.tzinfo else at.astimezone()
    offset = at.strftime("%z")  # +0100
    return at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}", (
        f"{offset[:3]}:{offset[3:]}")


def events_path(csv_path: Path) -> Path:
    return csv_path.with_suffix(".events.log")


class LogPathError(Exception):
    """A log path that cannot be used; the message says why."""


def _other_columns(path: Path) -> str | None:
    """Why the log at path cannot be appended to (appending would mix two layouts in
    one file), or None."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            header = next(csv.reader(f), [])
    except OSError:
        return None  # unreadable: opening it for the log says why
    if header == COLUMNS:
        return None
    if header in OLDER_LAYOUTS:
        missing = [c for c in COLUMNS if c not in header]
        return (f"--log {path} is a log from an older picofan (without "
                f"{', '.join(missing)}): give a new file name")
    return f"--log {path} holds other columns (not a picofan log): give a new file name"


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
    if path.is_file() and path.stat().st_size and (why := _other_columns(path)):
        raise LogPathError(why)


def open_log(path: Path, source: str = "board") -> CsvLog:
    """A CsvLog, or LogPathError with the reason (disk full, permissions...)."""
    check_log_path(path)
    try:
        return CsvLog(path, source)
    except OSError as e:
        raise LogPathError(f"cannot write the log {path}: {e.strerror or e}") from None


class LogWriteError(Exception):
    """The log could not be written (the disk full, or a write error); the message says
    which file and why. The file ends at its last whole row, as before the write."""


def _write_error(path: Path, e: OSError) -> LogWriteError:
    why = "the disk is full" if e.errno == errno.ENOSPC else f"{e.strerror or e}"
    return LogWriteError(f"cannot write {path}: {why}; logging stopped (the file ends at "
                         "its last whole row)")


class _Appender:
    """A file written a whole line at a time, unbuffered: a write that fails part way
    (a full disk) is cut back off, so the file always ends at a line end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        self.size = os.fstat(self.fd).st_size

    def write(self, text: str) -> None:
        data = memoryview(text.encode("utf-8"))
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError as e:
            with contextlib.suppress(OSError):  # (truncating frees space: it works when full)
                os.ftruncate(self.fd, self.size)
            raise _write_error(self.path, e) from None
        self.size = os.fstat(self.fd).st_size

    def sync(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as e:
            raise _write_error(self.path, e) from None

    def close(self) -> None:
        os.close(self.fd)


class CsvLog:
    def __init__(self, path: str | Path, source: str = "board") -> None:
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        self.source = source
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        if not new and (why := _other_columns(self.path)):
            raise LogPathError(why)
        made = [p for p in (self.path, events_path(self.path)) if not p.exists()]
        self._file = _Appender(self.path)
        self._events = _Appender(events_path(self.path))
        self._synced = time.monotonic()
        self.rows = 0
        self.last: dict[str, Any] | None = None  # the last telemetry message written
        # The settings as the board last reported them (a hello, a reply), for the
        # SETTING_COLUMNS; None: not yet.
        self.settings: dict[str, Any] | None = None
        self.closed = False
        if new:
            try:
                self._row(COLUMNS)
                self._flush(force=True)
            except LogWriteError:
                self.closed = True
                self._file.close()
                self._events.close()
                for p in made:  # nothing left behind: no header, no log
                    p.unlink(missing_ok=True)
                raise

    def _row(self, cells: list[Any]) -> None:
        line = io.StringIO()
        csv.writer(line).writerow(cells)
        self._file.write(line.getvalue())

    def record(self, event: Event, text: str | None) -> None:
        """Telemetry into the CSV (and a fault starting or ending into the events log);
        anything else worth a line (text: narrate's words for it) into the events log."""
        if isinstance(event, Received) and isinstance(event.message.data.get("settings"),
                                                      dict):
            self.settings = event.message.data["settings"]  # a hello, or a reply
        if is_telemetry(event):
            before = self.last
            self.telemetry(event.at, event.message.data)
            change = fault_change(before, event.message.data)
            if change:
                self.event(event.at, "Fault", change)
        elif text is not None:
            self.event(event.at, type(event).__name__, text)

    def telemetry(self, at: datetime, msg: dict[str, Any]) -> None:
        row: list[Any] = [*spreadsheet_time(at), self.source]
        for name in TELE_FIELDS:
            v = msg[name]
            row.append("" if v is None else int(v) if isinstance(v, bool) else v)
        for name in SETTING_COLUMNS:
            row.append(self.settings.get(name, "") if self.settings else "")
        self._row(row)
        self.rows += 1
        self.last = msg
        self._flush()

    def event(self, at: datetime, kind: str, text: str) -> None:
        self._events.write(f"{at.isoformat(timespec='milliseconds')}\t{kind}\t{text}\n")

    def _flush(self, force: bool = False) -> None:
        # Every write is already in the OS's hands (unbuffered); fsync puts it on the disk.
        if force or time.monotonic() - self._synced >= FSYNC_EVERY_S:
            self._file.sync()
            self._events.sync()
            self._synced = time.monotonic()

    def close(self) -> None:
        """Synced and closed (LogWriteError when the last sync fails: closed all the same)."""
        if self.closed:
            return
        self.closed = True
        try:
            self._flush(force=True)
        finally:
            self._file.close()
            self._events.close()
