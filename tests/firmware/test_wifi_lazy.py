"""A board without wifi.json spends nothing on Wi-Fi: the firmware does not even import
fanctl.wifi (nor `network`), checked on MicroPython's unix port in a fresh process."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MICROPYTHON = Path(sys.executable).parent / "micropython"
SCRIPT = """
import sys
from fanctl.app import App
from scripted_board import ScriptedBoard
app = App(ScriptedBoard(), "settings.json", "wifi.json")
app.start()
print("fanctl.wifi" in sys.modules, "network" in sys.modules, app.wifi_public())
"""


def run_in(folder: Path) -> str:
    env = {**os.environ, "MICROPYPATH": f"{ROOT / 'firmware'}:{ROOT / 'benchmarks/rigs'}"}
    done = subprocess.run([str(MICROPYTHON), "-c", SCRIPT], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_usb_only_board_never_imports_wifi(tmp_path: Path) -> None:
    assert run_in(tmp_path) == "False False None"


def test_board_with_wifi_json_loads_it(tmp_path: Path) -> None:
    (tmp_path / "wifi.json").write_text(json.dumps(
        {"ssid": "greenhouse", "password": "correct horse", "broker": "mqtt://10.0.0.2"}))
    shown = "{'ssid': 'greenhouse', 'broker': 'mqtt://10.0.0.2', 'password_set': True}"
    out = run_in(tmp_path).split(" ", 2)
    assert out[:2] == ["True", "False"]  # network: only when the link starts (board.wlan)
    assert ast.literal_eval(out[2]) == ast.literal_eval(shown)
