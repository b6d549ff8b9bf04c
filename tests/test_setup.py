"""`make demo` in a fresh clone, as a new user first runs it, in a real terminal
(tmux): one line says what the one-time setup does, only picofan and its runtime
packages are installed (no test tools, no stubs, no Node packages), and the
monitor's first screen comes up."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from checkout import copy_checkout
from terminal import Tmux

pytestmark = pytest.mark.slow  # a fresh clone's setup: packages from the package index

DEV_ONLY = {"pytest", "hypothesis", "ruff", "mypy", "numpy", "matplotlib", "schemdraw"}


def test_make_demo_in_a_fresh_clone_sets_up_the_runtime_only(tmp_path: Path) -> None:
    clone = copy_checkout(tmp_path / "picofan")
    tmux = Tmux("picofan-setup-test")
    tmux.start("make demo; echo DEMO-EXITED $?; sleep 600", cwd=clone)
    try:
        tmux.wait_for("connected", "°C")  # the monitor, with a reading
        tmux.keys("q")
        shown = tmux.wait_for("DEMO-EXITED")
    finally:
        tmux.stop()
    assert "DEMO-EXITED 0" in shown
    before_monitor = shown[:shown.index(".venv/bin/picofan monitor --sim")].strip()
    assert before_monitor.splitlines() == [
        "picofan: one-time setup, about a minute: picofan and its runtime packages "
        "into .venv/"], shown
    listed = subprocess.run([str(clone / ".venv/bin/python"), "-m", "pip", "list",
                             "--format=json"], capture_output=True, text=True, check=True)
    installed = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"picofan", "textual", "pyserial", "mpremote"} <= installed
    assert not installed & DEV_ONLY, installed & DEV_ONLY
    assert not (clone / "node_modules").exists()
    assert not (clone / ".venv/pico-stubs").exists()
