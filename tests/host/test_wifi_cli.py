"""`picofan wifi` as a person runs it: the installed command against `picofan sim`
(its flash in a folder of the test's, so wifi.json can be looked at and survives a
reset), the password from a file or typed at the prompt in a real terminal (tmux)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import picofan_cli
import pytest
from picofan_cli import PICOFAN, SimCommand
from terminal import Tmux

from device_port import Port

SECRET = "correct horse battery"
BROKER = "mqtt://192.168.4.2:1884"


@pytest.fixture
def board(tmp_path: Path) -> Iterator[SimCommand]:
    with SimCommand(tmp_path) as sim:
        yield sim


def password_file(tmp_path: Path, text: str = SECRET + "\n") -> str:
    path = tmp_path / "wifi-password"
    path.write_text(text)
    return str(path)


def hello_after_reset(sim: SimCommand) -> dict:
    port = Port(sim.port)
    try:
        sim.control("reset")
        return port.wait_for(lambda m: m["type"] == "hello", timeout=60)
    finally:
        port.close()


def test_set_show_and_off(board: SimCommand, tmp_path: Path) -> None:
    wifi_json = tmp_path / "flash" / "wifi.json"
    shown = picofan_cli.run("wifi", "--port", board.port)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "no Wi-Fi config on the board: USB only"

    done = picofan_cli.run("wifi", "--port", board.port, "--ssid", "greenhouse", "--broker",
                           BROKER, "--password-file", password_file(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "stored on the board: Wi-Fi greenhouse (a password set), broker "
        "mqtt://192.168.4.2:1884; it takes effect at the next start (reset or power cycle)")
    assert SECRET not in done.stdout + done.stderr
    # On the board's flash, the password (the board needs it); nowhere it is shown.
    assert json.loads(wifi_json.read_text()) == {"ssid": "greenhouse", "password": SECRET,
                                                 "broker": BROKER}
    shown = picofan_cli.run("wifi", "--port", board.port, "--json")
    assert json.loads(shown.stdout) == {"wifi": {"ssid": "greenhouse", "broker": BROKER,
                                                 "password_set": True}}
    got = picofan_cli.run("get", "--port", board.port, "--json")
    assert got.returncode == 0 and SECRET not in got.stdout
    hello = hello_after_reset(board)  # the next boot reads the file back
    assert hello["wifi"] == {"ssid": "greenhouse", "broker": BROKER, "password_set": True}

    off = picofan_cli.run("wifi", "--port", board.port, "--off")
    assert off.returncode == 0, off.stderr
    assert "Wi-Fi config removed" in off.stdout
    assert not wifi_json.exists()
    assert picofan_cli.run("wifi", "--port", board.port).stdout.strip() == (
        "no Wi-Fi config on the board: USB only")


@pytest.mark.parametrize(("args", "says"), [
    (["--ssid", "", "--broker", BROKER], "ssid must be 1 to 32 bytes"),
    (["--ssid", "x" * 33, "--broker", BROKER], "ssid must be 1 to 32 bytes"),
    (["--ssid", "greenhouse", "--broker", "http://broker"], "broker must look like mqtt://"),
    (["--ssid", "greenhouse", "--broker", "mqtt://broker:70000"], "broker port must be"),
    (["--ssid", "greenhouse", "--broker", f"mqtt://me:{SECRET}@broker"],
     "broker URL may not hold a user or password"),
    (["--ssid", "greenhouse"], "give both --ssid and --broker"),
    (["--off", "--ssid", "greenhouse"], "--off removes the Wi-Fi config: not with --ssid"),
    (["--ssid", "greenhouse", "--broker", BROKER, "--password-file", "/nonexistent/pw"],
     "cannot read the password file /nonexistent/pw"),
])
def test_bad_input_is_one_line_and_sends_nothing(board: SimCommand, tmp_path: Path,
                                                 args: list[str], says: str) -> None:
    run = picofan_cli.run("wifi", "--port", board.port, *args)
    assert run.returncode == 2, run
    assert run.stderr.count("\n") == 1 and says in run.stderr, run.stderr
    assert run.stderr.startswith("picofan: not sent: ") and SECRET not in run.stderr
    assert not (tmp_path / "flash" / "wifi.json").exists()


@pytest.mark.parametrize(("password", "says"), [
    ("short", "password must be 8 to 64 bytes, or empty for an open network"),
    ("p" * 65, "password must be 8 to 64 bytes"),
])
def test_bad_password_is_refused_without_showing_it(board: SimCommand, tmp_path: Path,
                                                    password: str, says: str) -> None:
    run = picofan_cli.run("wifi", "--port", board.port, "--ssid", "greenhouse", "--broker",
                          BROKER, "--password-file", password_file(tmp_path, password))
    assert run.returncode == 2 and says in run.stderr and password not in run.stderr
    assert not (tmp_path / "flash" / "wifi.json").exists()


def test_password_typed_at_the_prompt_is_not_echoed(board: SimCommand, tmp_path: Path) -> None:
    term = Tmux("picofan-wifi-test")
    try:
        term.start(shlex.join([PICOFAN, "wifi", "--port", board.port, "--ssid", "greenhouse",
                               "--broker", BROKER]) + "; sleep 600", tmp_path)
        term.wait_for("Wi-Fi password for greenhouse", timeout=60)
        term.keys("-l", SECRET)
        term.keys("Enter")
        screen = term.wait_for("stored on the board: Wi-Fi greenhouse (a password set)",
                               timeout=60)
        assert SECRET not in screen
    finally:
        term.stop()
    stored = json.loads((tmp_path / "flash" / "wifi.json").read_text())
    assert stored["password"] == SECRET
