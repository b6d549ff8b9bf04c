"""The words for link events, shared by `picofan log`, its events log and the
monitor's messages: each thing that happened is said once."""

from __future__ import annotations

import json

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.client import Connected, Disconnected, Received
from picofan.narrate import Narrator, describe
from picofan.protocol import Message, parse_line

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
