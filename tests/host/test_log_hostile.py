"""A saved log with hostile rows, through `picofan plot` (the installed command) and
`picofan monitor --replay` (Textual's pilot): each bad row is refused by the live
parser's own checks and skipped, counted in one line that says which row and why;
the good rows are drawn. Never a traceback."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import picofan_cli
import pytest
from monitor_pilot import text, until

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.logger import COLUMNS, CsvLog
from picofan.monitor.app import MonitorApp
from picofan.monitor.replay import Replay

ROWS = 20
BAD_LINE = 12  # the file's line (the header is line 1)

# (what, column, the hostile cell, a word of the reason given)
HOSTILE = [
    ("nan", "temp_c", "nan", "temp"),
    ("infinity", "temp_c", "inf", "temp"),
    ("minus-infinite-duty", "duty", "-inf", "duty"),
    ("huge-field", "fault", "x" * 200_000, "longer than"),
    ("year-9999", "host_time", "9999-12-31 23:59:59.999", "host_time"),
    ("rich-markup", "fault", "[bold red]oops[/", "fault"),
    ("duty-minus-1e9", "duty", "-1e9", "duty"),
    ("huge-number", "seq", "9" * 3000, "seq"),
    ("terminal-escape", "mode", "\x1b[2Jauto", "control characters"),
]


def hostile_log(path: Path, column: str, cell: str) -> None:
    """ROWS readings written by picofan, then one cell of one row replaced."""
    log = CsvLog(path)
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    for i in range(ROWS):
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, 28.0 + i / 10, 30000, 9000.0, i > 10,
                                defaults(), None))
    log.close()
    rows = list(csv.reader(path.read_text().splitlines()))
    rows[BAD_LINE - 1][COLUMNS.index(column)] = cell
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_text(out.getvalue())


@pytest.mark.parametrize(("column", "cell", "why"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_plot_skips_a_hostile_row_in_one_line(tmp_path: Path, column: str, cell: str,
                                              why: str) -> None:
    path = tmp_path / "run.csv"
    hostile_log(path, column, cell)
    done = picofan_cli.run("plot", str(path))
    assert done.returncode == 0, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"picofan: {path}: 1 bad row skipped (line {BAD_LINE}: "), line
    assert why in line and len(line) < 300, line  # the cell quoted short and printable
    assert "\x1b" not in line
    assert f"({ROWS - 1} readings)" in done.stdout
    assert (tmp_path / "run.png").stat().st_size > 0


@pytest.mark.parametrize(("column", "cell", "why"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
async def test_replay_skips_a_hostile_row_and_says_so(tmp_path: Path, column: str, cell: str,
                                                      why: str) -> None:
    path = tmp_path / "run.csv"
    hostile_log(path, column, cell)
    replay = Replay(path)
    assert replay.readings == ROWS - 1
    assert replay.skipped.startswith(f"1 bad row skipped (line {BAD_LINE}: ")
    assert why in replay.skipped
    app = MonitorApp(replay, refresh_s=0.05)
    async with app.run_test(size=(110, 36)) as pilot:
        await until(pilot, lambda: app.state.lines == ROWS - 1)
        await until(pilot, lambda: "1 row skipped" in text(app, "#status-bar"))
        assert f"{ROWS - 1} readings" in text(app, "#status-bar")


def test_a_log_of_only_bad_rows_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(
        ",".join(["nan"] * len(COLUMNS)) for _ in range(3)) + "\n")
    for args in (["plot", str(path)], ["monitor", "--replay", str(path)]):
        done = picofan_cli.run(*args)
        assert done.returncode == 2, done.stderr
        [line] = done.stderr.splitlines()
        assert "no readings" in line and "3 bad rows skipped (line 2: " in line, line
        assert not (tmp_path / "run.png").exists()
