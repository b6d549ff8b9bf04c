"""Settings as a person types them, in the CLI and the monitor alike."""

from __future__ import annotations

import picofan_cli
import pytest

from picofan.values import parse_number, parse_setting


@pytest.mark.parametrize("text, value", [
    ("28", 28), ("28.5", 28.5), ("28,5", 28.5), (" -3,25 ", -3.25), ("1e3", 1000.0),
])
def test_numbers_take_a_decimal_point_or_comma(text: str, value: float) -> None:
    got = parse_number(text, "setpoint")
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["", "hot", "28,5,1", "1.000,5", "NaN", "inf", "0x1f",
                                  "28 5", "٣",
                                  ",5", "28,", ".5", "30.", "-,5", "1,e3"])
def test_anything_else_is_refused_naming_the_setting(text: str) -> None:
    with pytest.raises(ValueError, match=r"setpoint: .* is not a number"):
        parse_number(text, "setpoint")


def test_words_stay_words_and_unknown_names_are_left_to_the_firmware() -> None:
    assert parse_setting("mode", "auto") == "auto"
    assert parse_setting("nosuch", "1") == "1"


def test_set_takes_a_decimal_comma_as_the_monitor_does() -> None:
    done = picofan_cli.run("set", "--sim", "setpoint=28,5", "hysteresis=1,5")
    assert done.returncode == 0, done.stderr
    assert "ack: setpoint=28.5 hysteresis=1.5" in done.stdout


def test_set_refuses_a_comma_without_digits_either_side() -> None:
    for text in (",5", "28,"):
        done = picofan_cli.run("set", "--sim", f"setpoint={text}")
        assert done.returncode == 2, done.stderr
        assert f"setpoint: '{text}' is not a number" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
