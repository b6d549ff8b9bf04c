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
    # The board joins at once (docs/wifi.md): no "next start" to wait for.
    assert done.stdout.strip() == (
        "stored on the board: Wi-Fi greenhouse (a password set), broker "
        "mqtt://192.168.4.2:1884; in use now, and at every start")
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
    assert off.stdout.strip() == ("Wi-Fi config removed: the board has left the network "
                                  "and is on USB only")
    assert not wifi_json.exists()
    assert picofan_cli.run("wifi", "--port", board.port).stdout.strip() == (
        "no Wi-Fi config on the board: USB only")


@pytest.mark.parametrize(("args", "says"), [
    (["--ssid", "", "--broker", BROKER], "--ssid must be 1 to 32 bytes"),
    (["--ssid", "x" * 33, "--broker", BROKER], "--ssid must be 1 to 32 bytes"),
    (["--ssid", "greenhouse", "--broker", "http://broker"], "--broker must look like mqtt://"),
    (["--ssid", "greenhouse", "--broker", "mqtt://broker:70000"], "--broker's port must be"),
    (["--ssid", "greenhouse", "--broker", f"mqtt://me:{SECRET}@broker"],
     "--broker may not hold a user or password: use --user and --broker-password-file"),
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


WPA2 = ("the Wi-Fi password must be 8 to 63 printable ASCII characters or 64 hex digits; "
        "for an open network, --open")


@pytest.mark.parametrize("password", [
    "", "\n", "short", "p" * 64, "p" * 65, "0123456789abcdef" * 4 + "0", "pässwort-lang",
    "tab\there-inside",
], ids=["empty", "empty-line", "short", "64-not-hex", "65", "65-hex", "not-ascii", "tab"])
def test_bad_password_is_refused_without_showing_it(board: SimCommand, tmp_path: Path,
                                                    password: str) -> None:
    run = picofan_cli.run("wifi", "--port", board.port, "--ssid", "greenhouse", "--broker",
                          BROKER, "--password-file", password_file(tmp_path, password))
    assert run.returncode == 2, run
    assert run.stderr == f"picofan: not sent: {WPA2}\n"
    assert not (tmp_path / "flash" / "wifi.json").exists()


@pytest.mark.parametrize("password", ["p" * 8, "~ !" + "x" * 60, "0123456789abcdef" * 4],
                         ids=["8", "63-printable", "64-hex"])
def test_wpa2_passwords_are_stored(board: SimCommand, tmp_path: Path, password: str) -> None:
    run = picofan_cli.run("wifi", "--port", board.port, "--ssid", "greenhouse", "--broker",
                          BROKER, "--password-file", password_file(tmp_path, password))
    assert run.returncode == 0, run.stderr
    stored = json.loads((tmp_path / "flash" / "wifi.json").read_text())
    assert stored["password"] == password


def test_an_open_network_is_asked_for_by_name(board: SimCommand, tmp_path: Path) -> None:
    both = picofan_cli.run("wifi", "--port", board.port, "--ssid", "cafe", "--broker", BROKER,
                           "--open", "--password-file", password_file(tmp_path))
    assert both.returncode == 2
    assert both.stderr == ("picofan: not sent: --open is a network without a password: "
                           "not with --password-file\n")
    assert not (tmp_path / "flash" / "wifi.json").exists()

    done = picofan_cli.run("wifi", "--port", board.port, "--ssid", "cafe", "--broker", BROKER,
                           "--open")  # no prompt: stdin is /dev/null, and nothing is asked
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stored on the board: Wi-Fi cafe (no password: an open "
                                  "network), broker")
    assert json.loads((tmp_path / "flash" / "wifi.json").read_text())["password"] == ""


def test_the_board_refuses_an_empty_password_on_the_wire(board: SimCommand,
                                                         tmp_path: Path) -> None:
    port = Port(board.port)
    try:
        base = {"cmd": "wifi", "ssid": "cafe", "broker": BROKER}
        refused = port.reply({**base, "id": 1, "password": ""})
        assert refused["type"] == "error" and refused["code"] == "range"
        assert "8 to 63 printable ASCII characters or 64 hex digits" in refused["msg"]
        assert not (tmp_path / "flash" / "wifi.json").exists()
        both = port.reply({**base, "id": 2, "password": SECRET, "open": True})
        assert both["type"] == "error" and SECRET not in both["msg"]
        opened = port.reply({**base, "id": 3, "open": True})
        assert opened["type"] == "ack" and opened["wifi"]["password_set"] is False
    finally:
        port.close()


@pytest.mark.parametrize(("args", "files", "says"), [
    (["--user", "u" * 65], {}, "--user must be up to 64 bytes"),
    (["--user", "me", "--broker-password-file", "BPW"], {"BPW": "b" * 65},
     "the broker password (--broker-password-file) must be up to 64 bytes"),
], ids=["user", "broker-password"])
def test_errors_name_the_options_not_the_fields(board: SimCommand, tmp_path: Path,
                                                args: list[str], files: dict[str, str],
                                                says: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text + "\n")
    args = [str(tmp_path / a) if a in files else a for a in args]
    run = picofan_cli.run("wifi", "--port", board.port, "--ssid", "greenhouse", "--broker",
                          BROKER, "--password-file", password_file(tmp_path), *args)
    assert run.returncode == 2 and run.stderr == f"picofan: not sent: {says}\n", run.stderr
    url = picofan_cli.run("wifi", "--port", board.port, "--ssid", "greenhouse", "--broker",
                          f"mqtt://me:{SECRET}@broker")
    assert "use --user and --broker-password-file" in url.stderr
    assert "broker_password" not in url.stderr + run.stderr


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


def test_enter_alone_at_the_prompt_is_no_open_network(board: SimCommand,
                                                      tmp_path: Path) -> None:
    term = Tmux("picofan-wifi-empty")
    try:
        term.start(shlex.join([PICOFAN, "wifi", "--port", board.port, "--ssid", "greenhouse",
                               "--broker", BROKER]) + "; echo exit=$?; sleep 600", tmp_path)
        prompt = term.wait_for("Wi-Fi password for greenhouse", timeout=60)
        assert "open network" not in prompt  # an open network is --open, never a blank
        term.keys("Enter")
        screen = term.wait_for("exit=2", timeout=60)
        assert f"picofan: not sent: {WPA2}" in screen
    finally:
        term.stop()
    assert not (tmp_path / "flash" / "wifi.json").exists()
