"""The virtual Pico's Wi-Fi: the firmware's own WifiLink (fanctl.wifi), on MicroPython's
unix port, polls the simulated radio through UnixPortBoard.wlan() over the chip's request
pipe, while the simulator's console commands (`ap reboot`, `wifi down`, `wifi up`)
change the world on the board's clock. The chip runs a small main.py of its own here
(the App's Wi-Fi integration is not part of this test): it writes each state change
to a file in the board's flash folder."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from picofan_cli import SimCommand
from polling import until

from picofan.sim import chip_runner
from picofan.sim.control import ControlError
from picofan.sim.pico import VirtualPico

MAIN = """\
from unix_board import UnixPortBoard
from fanctl import wifi

b = UnixPortBoard()
lnk = wifi.WifiLink(b.wlan(), {"ssid": "greenhouse", "password": "correct horse",
                               "broker": "mqtt://127.0.0.1"}, b)
with open("states.txt", "w") as f:
    while b.ticks_ms() < 70000:
        if lnk.poll():
            f.write("%d %s %s %s\\n" % (b.ticks_ms(), lnk.state, lnk.rssi, lnk.reason))
        b.wait(100)
    f.write("done\\n")
"""


@pytest.fixture
def pico(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    chip_dir = tmp_path / "chip"
    chip_dir.mkdir()
    shutil.copy(chip_runner.ON_CHIP_DIR / "unix_board.py", chip_dir)
    (chip_dir / "main.py").write_text(MAIN)
    monkeypatch.setattr(chip_runner, "ON_CHIP_DIR", chip_dir)
    board = VirtualPico(speed=0, flash_dir=str(tmp_path / "flash"))
    yield board
    board.stop()
    board.close()


def states(pico: VirtualPico) -> list[tuple[int, str, str, str]]:
    path = pico.flash / "states.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    assert "done" in lines, "the chip's script did not finish"
    # (ms, state, reason, rssi)
    return [(int(w[0]), w[1], w[3], w[2]) for w in (line.split(" ", 3) for line in lines
                                                  if line != "done")]


def finished(pico: VirtualPico) -> bool:
    path = pico.flash / "states.txt"
    return path.exists() and "done" in path.read_text()


def test_joins_then_rejoins_after_an_ap_reboot_and_an_outage(pico: VirtualPico) -> None:
    for line in ("at 5 ap reboot 10", "at 40 wifi down", "at 50 wifi up"):
        pico.command(line)
    threading.Thread(target=pico.run, daemon=True).start()
    until(lambda: finished(pico), "the chip's 70 s of board time", timeout=120)
    seen = states(pico)
    kinds = [s[1] for s in seen]
    # joined at boot, with power save off and a signal reading
    assert kinds[:2] == ["joining", "up"] and seen[1][0] < 5000
    assert -61 <= int(seen[1][3]) <= -55
    assert pico.hardware.wifi.pm == 0xA11140
    # the AP goes at 5 s: the drop is seen within a status check, joins fail while it
    # is away (no network), and the link is back after it returns at 15 s
    drop = next(s for s in seen if s[1] == "down")
    assert 5000 <= drop[0] <= 5500 and drop[2].startswith("link lost")
    away = [s for s in seen if 5000 <= s[0] < 15000 and s[1] == "down"]
    assert any(s[2].startswith("no network 'greenhouse'") for s in away)
    back = next(s for s in seen if s[0] >= 15000 and s[1] == "up")
    assert back[0] < 15000 + 8000 + 3000  # within the backoff (8 s by then) and a join
    # wifi down at 40 s: down until wifi up at 50 s, then up again
    assert not [s for s in seen if 40500 <= s[0] < 50000 and s[1] == "up"]
    assert [s for s in seen if s[0] >= 50000 and s[1] == "up"]
    assert kinds[-1] == "up"
    state = pico.state()["wifi"]
    assert state["ap"] == "up" and state["joins"] >= 4


def test_console_commands_are_checked() -> None:
    board = VirtualPico(speed=0)
    try:
        for bad in ("wifi", "wifi sideways", "ap", "ap reboot soon", "ap fly"):
            with pytest.raises(ControlError):
                board.command(bad)
        assert board.command("wifi down")["state"]["wifi"]["ap"] == "down"
        assert board.command("wifi up")["state"]["wifi"]["ap"] == "up"
        assert board.command("ap reboot 3")["state"]["wifi"]["ap"] == "down"
        assert board.command("ap reboot")["ok"]
        assert "ap reboot [S]" in board.command("help")["help"]
    finally:
        board.close()


def test_console_as_typed(tmp_path: Path) -> None:
    # `picofan sim`'s own console, as a person types at it
    with SimCommand(tmp_path) as sim:
        assert sim.proc.stdin is not None and sim.proc.stdout is not None
        replies = []
        for line in ("wifi down", "wifi up", "ap reboot 600", "ap reboot soon"):
            sim.proc.stdin.write(line + "\n")
            sim.proc.stdin.flush()
            reply = ""
            while not reply.startswith(("ok:", "error:")):  # past the banner's lines
                reply = sim.proc.stdout.readline().strip()
            replies.append(reply)
        assert replies == ["ok: access point down, board's link down",
                           "ok: access point up, board's link down",
                           "ok: access point down, board's link down",
                           "error: seconds must be a number, not 'soon'"]
        assert sim.control("status")["state"]["wifi"]["ap"] == "down"
