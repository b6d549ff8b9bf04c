"""The words for link events, shared by `picofan log`, its events log and the
monitor's messages: each thing that happened is said once; the fan's duty and rpm in
the telemetry line, and its faults (stall among them) in words."""

from __future__ import annotations

import json
from pathlib import Path

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.client import Connected, Disconnected, Noise, Received
from picofan.logger import CsvLog
from picofan.narrate import Narrator, describe
from picofan.protocol import OUTDATED, DeviceText, Message, parse_line
from picofan.spec.wire import FAULTS

WARNING = "no settings file, using defaults"


def received(msg: dict[str, object]) -> Received:
    parsed = parse_line(json.dumps(msg).encode())
    assert isinstance(parsed, Message)
    return Received(parsed)


def hello(boot: str, warning: str | None = WARNING, cmd_id: str | None = None) -> Received:
    return received(wire.hello("0.1.0", "Raspberry Pi Pico W", "e6614103e7452d2f", boot,
                               "power", defaults(), False, warning, cmd_id))


def test_a_started_board_is_greeted_and_warned_about_once() -> None:
    """At boot the board sends hello (with its warning) and logs the warning;
    the host's own hello request brings the same hello again."""
    narrator = Narrator()
    said = [narrator.describe(e) for e in (
        hello("0000b007"), received(wire.log("warn", WARNING)),
        hello("0000b007", cmd_id="connect"))]
    assert said == [f"hello: firmware 0.1.0 on Raspberry Pi Pico W (warning: {WARNING})",
                    None, None]
    # A later warning in the same words is news again.
    assert narrator.describe(received(wire.log("warn", WARNING))) == f"device warn: {WARNING}"


def test_a_new_boot_is_greeted_again() -> None:
    narrator = Narrator()
    assert narrator.describe(hello("0000b007", None)) is not None
    assert narrator.describe(hello("1f00aa31", None)) == (
        "hello: firmware 0.1.0 on Raspberry Pi Pico W")


def test_link_events_in_words() -> None:
    assert describe(Connected("/dev/ttyACM0", gap_s=2.25)) == (
        "connected to /dev/ttyACM0 after 2.2 s away")
    assert describe(Disconnected("/dev/ttyACM0", "unplugged")) == (
        "disconnected from /dev/ttyACM0 (unplugged); retrying")
    assert describe(received(wire.error(None, "json", "bad JSON"))) == (
        "device error: bad JSON (json)")


def tele(fault: str | None = None, duty: float | None = None, rpm: int | None = None,
         temp: float | None = 25.0) -> Received:
    fan = fault is not None or bool(duty)
    return received(wire.tele("0000b007", 0, 1000, temp, 32768, 10000.0, fan, defaults(), fault,
                              duty, rpm))


def test_telemetry_shows_the_duty_and_the_rpm_when_there_is_a_tach() -> None:
    line = describe(tele(duty=35.0, rpm=1180))
    assert "fan ON   35 %  1180 rpm  on≥31.00 off≤29.00  auto" in line
    switched = describe(tele())  # no tach: no rpm; a switched fan's duty: 0 or 100 %
    assert "fan off   0 %  on≥31.00" in switched and "rpm" not in switched
    stalled = describe(tele("stall", 100.0, 0, 25.0))
    assert "fan ON  100 %     0 rpm" in stalled and stalled.endswith("FAULT stall")


def test_faults_starting_and_ending_go_to_the_events_log_in_words(tmp_path: Path) -> None:
    log = CsvLog(tmp_path / "run.csv")
    for event in (tele(duty=40.0, rpm=900), tele("stall", 100.0, 0), tele("stall", 100.0, 0),
                  tele("open", 100.0, 0, None), tele(duty=40.0, rpm=910)):
        log.record(event, None)
    log.close()
    assert log.rows == 5
    said = [line.split("\t")[1:] for line in
            (tmp_path / "run.events.log").read_text().splitlines()]
    assert said == [
        ["Fault", f"fault stall: {FAULTS['stall']}; the fan driven at full power"],
        ["Fault", f"fault open: {FAULTS['open']}; the fan driven at full power"],
        ["Fault", "fault over (open): back to normal control"],
    ]
    assert "STALLED" in FAULTS["stall"]


def test_an_older_board_is_said_once_per_connection() -> None:
    narrator = Narrator()
    old = Noise(DeviceText('{"type": "tele"}', "tele without 'duty'", outdated=True))
    said = [narrator.describe(e) for e in (Connected("/dev/ttyACM0"), old, old,
                                           Connected("/dev/ttyACM0"), old)]
    assert said[1] == said[4] == OUTDATED and said[2] is None
    assert f"protocol {wire.PROTOCOL_VERSION}" in OUTDATED and "picofan flash" in OUTDATED
