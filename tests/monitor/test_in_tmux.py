"""A person's first minute, in a real terminal: `make demo` (the README's command)
in tmux at the stated minimum size (80x24, as the README's capture), keys sent as
a person types them, the screen read back from the pane."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from terminal import Tmux

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # the demo in real time, as a person sees it

TERM = Tmux("picofan-test")


def readme_capture() -> list[str]:
    """The README's picture of `make demo`, line by line."""
    after = (ROOT / "README.md").read_text().split("This is `make demo`", 1)[1]
    return after.split("```text\n", 1)[1].split("```", 1)[0].splitlines()


def wait_for(text: str, timeout: float = 60) -> str:
    return TERM.wait_for(text, timeout=timeout)


def keys(*typed: str) -> None:
    TERM.keys(*typed)


@pytest.fixture
def demo() -> Iterator[None]:
    logs_before = set((ROOT / "logs").glob("*")) if (ROOT / "logs").exists() else set()
    TERM.start("make -s demo; echo DEMO-EXITED $?; sleep 30", cwd=ROOT, width=80, height=24)
    yield
    TERM.stop()
    for path in set((ROOT / "logs").glob("*")) - logs_before:
        path.unlink()  # the demo's own CSV and events log


def test_make_demo_pinch_and_push_a_setpoint(demo: None) -> None:
    wait_for("● connected")
    wait_for("firmware 0.1.0 on virtual Pico W")
    shown = wait_for("fan off")
    assert "°C" in shown and "setpoint 30.00 °C" in shown
    # The footer shows every key that works here, whole, as the README shows it.
    assert shown.splitlines()[23].rstrip() == readme_capture()[-1].rstrip()
    assert "● recording logs/picofan-sim-" in shown
    keys("k")  # pinch the virtual thermistor
    wait_for("FAN ON", timeout=60)
    keys("+")  # nudge the setpoint up by 0.5
    shown = wait_for("acknowledged: setpoint=30.5")
    assert "fan ON at ≥ 31.50" in wait_for("≥ 31.50")
    # r stops recording; r again starts a new file: the exit message names that one.
    keys("r")
    wait_for("○ not recording (r)")
    keys("r")
    recording = re.search(r"● recording (\S+\.csv)", wait_for("● recording"))
    assert recording, TERM.screen()
    keys("q")
    shown = wait_for("DEMO-EXITED")
    assert "DEMO-EXITED 0" in shown
    assert re.search(rf"\d+ readings? in {re.escape(recording[1])} \(events: ", shown), shown
    assert (ROOT / recording[1]).exists()
