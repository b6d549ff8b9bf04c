"""Which serial ports are Picos: MicroPython's USB id (2e8a:0005), not Raspberry Pi's
vendor id alone, which its Debug Probe shares. No USB device can be plugged in here,
so the operating system's port list (pyserial's comports) is the stand-in, filled
with what Linux reports for each device; everything above it is the real picofan."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from picofan_cli import SimCommand, run, start
from polling import until
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from picofan import ports
from picofan.cli.command import main


def usb_port(device: str, vid: int | None, pid: int | None, description: str,
             serial_number: str | None = None) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid = vid, pid
    info.description, info.serial_number = description, serial_number
    return info


PICO = usb_port("/dev/ttyACM1", 0x2E8A, 0x0005, "Board in FS mode - Board CDC",
                "e6614c311b2f5c37")
PROBE = usb_port("/dev/ttyACM0", 0x2E8A, 0x000C,
                 "Debug Probe (CMSIS-DAP) - CDC-ACM UART Interface", "E6633861A3978B2F")
UART = usb_port("/dev/ttyS0", None, None, "n/a")


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch) -> list[ListPortInfo]:
    found: list[ListPortInfo] = []
    monkeypatch.setattr(list_ports, "comports", lambda *a, **kw: list(found))
    return found


def test_ports_lists_the_pico_not_the_debug_probe(
        plugged: list[ListPortInfo], capsys: pytest.CaptureFixture[str]) -> None:
    plugged += [PROBE, UART, PICO]
    assert main(["ports"]) == 0
    header, row = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert header == ["PORT", "KIND", "USB ID", "UID", "NAME", "DESCRIPTION"]
    # (the stand-in's port cannot be opened: its unique id is the USB serial number's)
    assert row[:5] == ["/dev/ttyACM1", "Pico (MicroPython)", "2e8a:0005", "e6614c311b2f5c37",
                       "?"]
    assert "/dev/ttyACM1 does not exist" in row[5]
    assert ports.choose() == "/dev/ttyACM1"


def test_a_debug_probe_alone_is_no_pico(plugged: list[ListPortInfo],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    plugged += [PROBE, UART]
    assert main(["ports"]) == 3
    assert "no Pico found" in capsys.readouterr().out
    # A command needing the board says what it saw instead, and opens nothing.
    assert main(["ping"]) == 3
    err = capsys.readouterr().err
    assert "no Pico found" in err and "/dev/ttyACM0 (Debug Probe" in err
    assert "2e8a:000c" in err and "--port" in err


def test_ports_all_lists_every_serial_port_with_its_usb_ids(
        plugged: list[ListPortInfo], capsys: pytest.CaptureFixture[str]) -> None:
    plugged += [UART, PICO, PROBE]
    assert main(["ports", "--all"]) == 0
    header, *rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert header == ["PORT", "KIND", "USB ID", "UID", "NAME", "DESCRIPTION"]
    assert [r[:3] for r in rows] == [["/dev/ttyACM0", "-", "2e8a:000c"],
                                     ["/dev/ttyACM1", "Pico (MicroPython)", "2e8a:0005"],
                                     ["/dev/ttyS0", "-", "-"]]
    assert rows[0][5].startswith("Debug Probe") and rows[0][3] == "E6633861A3978B2F"


def test_two_picos_ask_which(plugged: list[ListPortInfo]) -> None:
    plugged += [PICO, usb_port("/dev/ttyACM2", 0x2E8A, 0x0005, "Board in FS mode")]
    with pytest.raises(ports.PortError, match=r"several Picos found.*--port"):
        ports.choose()


# -- as a person runs it: virtual Picos, each asked who it is ----------------------------


def registered_uid(runtime: Path, sim: SimCommand) -> str:
    (info,) = [json.loads(f.read_text()) for f in runtime.glob("sim-*.json")
               if json.loads(f.read_text())["pid"] == sim.proc.pid]
    uid: str = info["uid"]
    return uid


def booted(sim: SimCommand) -> bool:
    return bool(sim.control("status")["state"]["tele_sent"])


def test_ports_names_each_board_and_says_which_are_busy_or_silent(
        tmp_path: Path, own_runtime_dir: Path) -> None:
    sims = []
    with contextlib.ExitStack() as stack:
        for n, seed in enumerate(("51", "52", "53", "54")):
            folder = tmp_path / "abcd"[n]
            folder.mkdir()
            sims.append(stack.enter_context(SimCommand(folder, "--seed", seed)))
        named, unnamed, held, silent = sims
        for sim in sims:
            until(lambda sim=sim: booted(sim), "the virtual Pico running")
        done = run("set", "name=desk fan", "--port", named.port)
        assert done.returncode == 0, done.stderr
        log = start("log", "--port", held.port, "--quiet", "--log", str(tmp_path / "held.csv"))
        stack.callback(lambda: (log.terminate(), log.communicate(timeout=60)))
        until(lambda: held.control("status")["state"]["host_attached"], "picofan log on it")
        silent.control("pause")  # the firmware frozen: it answers nothing

        done = run("ports")
        assert done.returncode == 0, done.stderr
        rows = [line.split("\t") for line in done.stdout.splitlines()[1:]]
        uids = [registered_uid(own_runtime_dir, sim) for sim in sims]
        assert len(set(uids)) == 4
        assert [[r[0], r[4], r[3]] for r in rows] == [[named.port, "desk fan", uids[0]],
                                                      [unnamed.port, "-", uids[1]],
                                                      [held.port, "?", uids[2]],
                                                      [silent.port, "?", uids[3]]]
        assert "virtual Pico (seed 51" in rows[0][5] and "firmware" in rows[0][5]
        assert rows[2][5].startswith(f"busy: held by pid {log.pid} (")
        assert "log --port" in rows[2][5]
        assert rows[3][5].startswith("no reply to 'hello' within 2 s")

        done = run("ports", "--json")
        listed = json.loads(done.stdout)
        assert [(b["port"], b["name"], b["uid"], b["state"], b["virtual"]) for b in listed] == [
            (named.port, "desk fan", uids[0], "ok", True),
            (unnamed.port, "", uids[1], "ok", True),
            (held.port, None, uids[2], "busy", True),
            (silent.port, None, uids[3], "no answer", True)]


def test_ports_bad_timeout_is_one_line(tmp_path: Path) -> None:
    done = run("ports", "--timeout", "0")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--timeout" in done.stderr
