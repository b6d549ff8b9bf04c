"""A person's first minute, in a real terminal: `make demo` (the README's command)
in tmux at the stated minimum size (80x24, as the README's capture), keys sent as
a person types them, the screen read back from the pane."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from polling import until
from terminal import Tmux

from picofan.monitor.controls import FAN_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # the demo in real time, as a person sees it

TERM = Tmux("picofan-test")


def readme_capture() -> list[str]:
    """The README's picture of `make demo`, line by line."""
    after = (ROOT / "README.md").read_text().split("This is `make demo`", 1)[1]
    return after.split("```text\n", 1)[1].split("```", 1)[0].splitlines()


def wait_for(text: str, timeout: float = 60) -> str:
    return TERM.wait_for(text, timeout=timeout)


def screen_shows(ok: Callable[[str], bool], timeout: float = 60) -> str:
    """The screen once ok(screen) holds."""
    def showing() -> str:
        shown = TERM.screen()
        return shown if ok(shown) else ""

    try:
        return until(showing, "the screen", timeout)
    except AssertionError as e:
        raise AssertionError(f"{e}:\n{TERM.screen()}") from None


def keys(*typed: str) -> None:
    TERM.keys(*typed)


def pick(word: str, among: tuple[str, ...]) -> None:
    """In an open list, Down until `word` is highlighted, looking after every key (as a
    person does: a key typed before the list has drawn its highlight is not seen), then
    Enter. `among`: the list's options, to tell its highlight from other bold text."""
    def highlighted() -> tuple[int, str] | None:
        return next((bold for bold in TERM.bold() if bold[1] in among), None)

    for _ in range(2 * len(among)):
        row, now = until(highlighted, "a highlighted option", 60)
        if now == word:
            keys("Enter")
            return
        keys("Down")
        # (the list's prompt may read as its first option: the row tells them apart)
        until(lambda was=row: (highlighted() or (was, ""))[0] != was,
              f"the highlight moving down from {now}", 60)
    raise AssertionError(f"{word} never highlighted:\n{TERM.screen()}")


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
    # (the whole screen: it is drawn a part at a time)
    shown = TERM.wait_for("fan off", "duty 0 %", "^p palette", "seconds ago", timeout=60)
    assert "°C" in shown and "setpoint 30.00 °C, band 2.00" in shown
    assert re.search(r"│ setpoint 30 +band 2 ", shown)  # the boxes' prompts: the board's
    assert "rpm —" in shown  # the switched fan has no tach wire
    assert "⅃ ⢕⢕ duty %" in shown  # the duty's series, on the plot's right-hand axis
    # The footer shows every key that works here, whole, as the README shows it.
    assert shown.splitlines()[23].rstrip() == readme_capture()[-1].rstrip()
    assert "● recording logs/picofan-sim-" in shown
    keys("k")  # pinch the virtual thermistor
    wait_for("FAN ON", timeout=60)
    keys("+")  # nudge the setpoint up by 0.5
    shown = wait_for("acknowledged: setpoint=30.5")
    assert "fan ON at ≥ 31.50" in wait_for("≥ 31.50")
    assert "duty 100 %" in shown
    # Fan settings with the keys: Tab on to the fan's row, Enter opens a list, arrows
    # and Enter pick (focus moves on: to the setting's words, then to Apply), Enter
    # sends. Between keys, a look at the screen, as a person looks.
    keys(*["Tab"] * 6, "Enter")  # the fan setting shown first is output: its words
    wait_for("Dismiss menu")
    pick("pwm", among=("switch", "pwm"))
    wait_for("from switch")
    keys("Enter")
    wait_for("acknowledged: output=pwm")
    keys("Tab", "Enter")  # from Apply on to the list of fan settings
    wait_for("manual_duty")  # (the list covers the footer)
    pick("control", among=FAN_SETTINGS)
    screen_shows(lambda s: "now hysteresis" in s and "manual_duty" not in s)
    keys("Enter")
    wait_for("Dismiss menu")
    pick("curve", among=("hysteresis", "curve", "pid"))
    wait_for("from hysteresis")
    keys("Enter")
    shown = TERM.wait_for("acknowledged: control=curve", "0 % at 25.00 °C, rising", timeout=60)
    assert "to 100 % at 40.00 °C" in shown and "mode auto, curve" in shown
    keys("Escape")  # out of the box: the keys act again (and Esc then r is not Alt+r)
    screen_shows(lambda s: "esc leave box" not in s)
    # On a curve the setpoint steers nothing: + and - are not offered, and + says why.
    assert "+ - setpoint" not in TERM.screen().splitlines()[23]
    keys("+")
    wait_for("│ not sent: control curve ignores the setpoint ")  # (one line)
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
