"""Reading a saved log (`picofan plot`, `picofan monitor --replay`): each row checked
as the live parser checks a board's line (protocol.validate) after the file's own
checks (row length, printable cells, the host time), so whatever a file holds, a bad row
is refused in words and the good ones read. The layout is the logger's (logger.COLUMNS
and the older layouts it still reads)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from picofan import protocol
from picofan.logger import (
    ADDED_COLUMNS,
    COLUMNS,
    OLDER_LAYOUTS,
    SETTING_COLUMNS,
    SOURCES,
    TELE_COLUMNS,
    TELE_FIELDS,
)
from picofan.spec import wire


class LogReadError(Exception):
    """A file that does not read as a picofan log; the message names it and says why."""


Reading = tuple[datetime, dict[str, Any]]
MAX_ROW = 4096  # characters: a picofan row is about 200; a longer line is refused unparsed
YEARS = (1970, 2999)  # a host time outside these is no clock's (and no plot's axis)
_HOST_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d")
_INT = re.compile(r"-?\d{1,18}")


@dataclass
class LogFile:
    """A saved log as read: its columns (COLUMNS, or one of OLDER_LAYOUTS), its good
    readings, oldest first, and the rows refused (how many, and the first one's line
    number and reason). A bad row is skipped, not the end of the file: the good rows
    around it are still the log."""

    path: Path
    columns: list[str]
    readings: list[Reading]
    skipped: int = 0
    first_bad: str = ""  # "line 12: tele.duty -1000000000.0 is outside 0.0..100.0"

    def skipped_text(self) -> str:
        """'2 bad rows skipped (line 12: why, the first)', or '' with none."""
        if not self.skipped:
            return ""
        rows = f"{self.skipped} bad row{'' if self.skipped == 1 else 's'}"
        return f"{rows} skipped ({self.first_bad}{', the first' if self.skipped > 1 else ''})"


def read_log(path: Path) -> list[Reading]:
    """The readings of a picofan CSV, oldest first: (host time, the telemetry message
    as the board sent it, and under "settings" those the log recorded beside it when it
    did: SETTING_COLUMNS). A row that is not one (cut short by a crash, or edited) is
    skipped: read_log_file says how many. A log from an older picofan reads too, its
    missing columns filled in as it meant them (ADDED_COLUMNS)."""
    return read_log_file(path).readings


def read_log_file(path: Path) -> LogFile:
    """The log, each row checked as the live parser checks a board's line
    (protocol.validate), or LogReadError when it is no picofan log or has no good row."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            lines = _lines(f)
            _, first = next(lines, (1, None))
            header = _cells(first) if first is not None else None
            if header != COLUMNS and header not in OLDER_LAYOUTS:
                raise LogReadError(f"{path} is not a picofan log: its first line should "
                                   f"be {','.join(COLUMNS)}")
            log = LogFile(path, header, [])
            for number, line in lines:
                try:
                    log.readings.append(_reading(header, line))
                except _BadRow as e:
                    log.skipped += 1
                    log.first_bad = log.first_bad or f"line {number}: {e}"
    except OSError as e:
        raise LogReadError(f"cannot read {path}: {e.strerror or e}") from None
    if not log.readings:
        raise LogReadError(f"{path} has no readings" + (
            f": {log.skipped_text()}" if log.skipped else ""))
    return log


class _BadRow(Exception):
    """A row that is not a reading; the message says why."""


def _lines(f: IO[str]) -> Iterator[tuple[int, str | None]]:
    """(line number, the line; None for one longer than MAX_ROW, never held whole)."""
    number = 0
    while line := f.readline(MAX_ROW + 1):
        number += 1
        if len(line) > MAX_ROW and not line.endswith("\n"):
            while line and not line.endswith("\n"):
                line = f.readline(MAX_ROW)
            yield number, None
        else:
            yield number, line


def _cells(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return None


def _shown(cell: str) -> str:
    """A cell quoted in a reason: short, and printable whatever it holds."""
    return repr(cell[:40] + ("…" if len(cell) > 40 else ""))


_TYPES = dict(wire.MESSAGES["tele"])
# A logged setting's type, as the wire's codes (all may be empty: not known then).
_SETTING_TYPES = {"output": "s?", "control": "s?", "curve_low": "f?", "curve_high": "f?"}


def _reading(header: list[str], line: str | None) -> Reading:
    row = _cells(line) if line is not None else None
    if line is None:
        raise _BadRow(f"longer than {MAX_ROW} characters")
    if row is None or len(row) != len(header):
        raise _BadRow(f"{len(row or [])} cells, not {len(header)} (cut short?)")
    for cell in row:
        if not cell.isprintable():
            raise _BadRow(f"a cell holds control characters: {_shown(cell)}")
    cells = dict(zip(header, row, strict=True))
    for column, (_, meant) in ADDED_COLUMNS.items():
        if column not in cells:
            cells[column] = meant(cells)
    return _host_time(cells), _message(cells)


def _host_time(cells: dict[str, str]) -> datetime:
    text = cells["host_time"] + cells["utc_offset"]
    try:
        if not _HOST_TIME.fullmatch(text):
            raise ValueError
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _BadRow(f"host_time {_shown(text)} is not a time picofan writes") from None
    if not YEARS[0] <= at.year <= YEARS[1]:
        raise _BadRow(f"host_time {_shown(text)} is outside the years {YEARS[0]}..{YEARS[1]}")
    return at


def _message(cells: dict[str, str]) -> dict[str, Any]:
    """The telemetry message the row records, checked as a board's line is."""
    if cells["source"] not in SOURCES:
        raise _BadRow(f"source {_shown(cells['source'])} is not one of {'/'.join(SOURCES)}")
    msg: dict[str, Any] = {"type": "tele"}
    for name, column in [*zip(TELE_FIELDS, TELE_COLUMNS, strict=True),
                         *SETTING_COLUMNS.items()]:
        text, kind = cells[column], _TYPES.get(name) or _SETTING_TYPES[name]
        value: Any = text
        if text == "" and kind.endswith("?"):
            value = None
        elif kind.startswith("i"):
            value = int(text) if _INT.fullmatch(text) else None
        elif kind.startswith("f"):
            try:
                value = float(text)
            except ValueError:
                value = None
        elif kind.startswith("b"):
            value = {"1": True, "0": False}.get(text)
        if value is None and text != "":
            raise _BadRow(f"{column} {_shown(text)} is not a {_KINDS[kind[0]]}")
        msg[name] = value
    # The settings logged beside the reading: checked by the firmware's own rules.
    logged = {name: msg.pop(name) for name in SETTING_COLUMNS}
    if logged["control"] is not None:
        msg["settings"] = {k: v for k, v in logged.items() if v is not None}
    why = protocol.validate(msg)
    if why:
        raise _BadRow(why if len(why) < 120 else why[:120] + "…")
    return msg


_KINDS = {"i": "whole number", "f": "number", "b": "0 or 1", "s": "text"}
