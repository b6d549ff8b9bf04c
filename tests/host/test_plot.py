"""`picofan plot FILE.csv` as a user runs it: on a log `picofan log` wrote, and on
one with known fan periods, a fault and a restart, the fan's duty and rpm; bad files get
one clear line. (An older picofan's log: test_log_older.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import picofan_cli
import pytest
from PIL import Image

from fanctl import protocol as wire
from fanctl.settings import defaults, merge
from picofan.logger import CsvLog

GREEN, ORANGE_SHADE, RED_SHADE = (44, 160, 44), (255, 241, 217), (245, 201, 202)
PURPLE, BROWN = (148, 103, 189), (140, 86, 75)  # the duty, the rpm
RED, BLUE = (214, 39, 40), (31, 119, 180)  # the guides: upper, lower


def has_colour(image: Image.Image, rgb: tuple[int, int, int], tol: int = 6) -> bool:
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    return any(all(abs(a - b) <= tol for a, b in zip(c, rgb, strict=True))
               for _, c in colours)


def scripted_log(path: Path, tach: bool = False) -> None:
    """Two minutes of readings: the fan on twice (at 40 % and 70 % duty), a 10 s open
    fault (full duty), a restart; with a tach, rpm to match."""
    log = CsvLog(path)
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    s = defaults()
    for i in range(120):
        boot = "aaaa0001" if i < 90 else "bbbb0002"
        fault = "open" if 40 <= i < 50 else None
        duty = 100.0 if fault else 40.0 if 10 <= i < 25 else 70.0 if 70 <= i < 85 else 0.0
        temp = None if fault else 29.0 + (i % 20) / 10
        rpm = int(duty * 20) if tach else None
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele(boot, i % 90, 1000 * i, temp, 30000, 9000.0, duty > 0, s, fault,
                                duty, rpm))
    log.close()


def test_plot_draws_fan_periods_faults_restarts_and_the_duty(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    scripted_log(path)
    done = picofan_cli.run("plot", str(path))
    assert done.returncode == 0, done.stderr
    png = tmp_path / "run.png"
    assert f"{png} (120 readings)" in done.stdout
    image = Image.open(png)
    assert image.format == "PNG" and image.size == (1100, 650)  # a duty panel below
    assert has_colour(image, GREEN), "no temperature line"
    assert has_colour(image, ORANGE_SHADE), "no fan-on shading"
    assert has_colour(image, RED_SHADE), "no fault shading"
    assert has_colour(image, PURPLE), "no duty line"
    assert not has_colour(image, BROWN), "an rpm line without a tach"


def test_plot_draws_the_rpm_of_a_fan_with_a_tach(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    scripted_log(path, tach=True)
    done = picofan_cli.run("plot", str(path))
    assert done.returncode == 0, done.stderr
    image = Image.open(tmp_path / "run.png")
    assert has_colour(image, PURPLE) and has_colour(image, BROWN), "no duty and rpm lines"


def test_plot_of_a_log_picofan_log_wrote(tmp_path: Path) -> None:
    done = picofan_cli.run("log", "--sim", "--duration", "3", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [csv_path] = (tmp_path / "logs").glob("*.csv")
    out = tmp_path / "elsewhere.png"
    done = picofan_cli.run("plot", str(csv_path), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert Image.open(out).format == "PNG" and has_colour(Image.open(out), GREEN)


def test_plot_refuses_what_it_cannot_draw(tmp_path: Path) -> None:
    older = tmp_path / "older.csv"
    older.write_text("host_time,ms,temp\n2026-01-01T00:00:00,1,25.0\n")
    empty = tmp_path / "empty.csv"
    CsvLog(empty).close()
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00junk")
    good = tmp_path / "good.csv"
    scripted_log(good)
    cases = [
        ([str(older)], "not a picofan log"),
        ([str(empty)], "no readings"),
        ([str(binary)], "binary.csv"),
        ([str(tmp_path / "missing.csv")], "cannot read"),
        ([str(good), "-o", str(tmp_path / "no" / "such" / "dir.png")], "cannot write"),
    ]
    for args, reason in cases:
        done = picofan_cli.run("plot", *args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and reason in lines[0], (args, done.stderr)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == []


def guide_rows(image: Image.Image, rgb: tuple[int, int, int]) -> list[int]:
    """The pixel rows where a horizontal line of this colour runs (a guide; the
    legend's short samples are left out)."""
    pixels = image.convert("RGB").load()
    assert pixels is not None
    width, height = image.size
    return [y for y in range(height)
            if sum(1 for x in range(width) if pixels[x, y] == rgb) > width // 3]


def green_span(image: Image.Image, row: int) -> int:
    """How many pixel rows the temperature line spans, within the plot's frame (the
    columns where the guide on `row` runs: the legend, right of it, left out)."""
    pixels = image.convert("RGB").load()
    assert pixels is not None
    frame = [x for x in range(image.size[0]) if pixels[x, row] == RED]
    rows = [y for y in range(image.size[1]) for x in range(min(frame), max(frame) + 1)
            if pixels[x, y] == GREEN]
    return max(rows) - min(rows)


@pytest.mark.parametrize(("control", "apart"), [("hysteresis", 2.0), ("curve", 10.0),
                                                ("pid", None)])
def test_plot_draws_the_guides_of_the_control_in_force(tmp_path: Path, control: str,
                                                       apart: float | None) -> None:
    """The temperature rises 1 °C; the guides are the band's edges (2 °C apart), the
    curve's ends (10 °C apart here) or the PID's setpoint (one line)."""
    path = tmp_path / "run.csv"
    s = merge(defaults(), {"control": control, "output": "pwm", "curve_low": 25.0,
                           "curve_high": 35.0})
    log = CsvLog(path)
    log.settings = s
    start = datetime(2026, 11, 23, 14, 0, 0).astimezone()
    for i in range(60):
        log.telemetry(start + timedelta(seconds=i),
                      wire.tele("aaaa0001", i, 1000 * i, 29.5 + i / 59, 30000, 9000.0, True,
                                s, None, 50.0))
    log.close()
    done = picofan_cli.run("plot", str(path))
    assert done.returncode == 0, done.stderr
    image = Image.open(tmp_path / "run.png")
    upper, lower = guide_rows(image, RED), guide_rows(image, BLUE)
    assert upper, "no upper guide"
    if apart is None:
        assert not lower, "a lower guide under PID"
        return
    assert lower, "no lower guide"
    ratio = (min(lower) - max(upper)) / green_span(image, upper[0])
    assert apart * 0.8 < ratio < apart * 1.25, ratio
