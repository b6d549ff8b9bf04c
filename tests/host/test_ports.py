"""Which serial ports are Picos: MicroPython's USB id (2e8a:0005), not Raspberry Pi's
vendor id alone, which its Debug Probe shares. No USB device can be plugged in here,
so the operating system's port list (pyserial's comports) is the stand-in, filled
with what Linux reports for each device; everything above it is the real picofan."""

from __future__ import annotations

import pytest
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from picofan import cli, ports


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
    assert cli.main(["ports"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["/dev/ttyACM1\tBoard in FS mode - Board CDC\te6614c311b2f5c37"]
    assert ports.choose() == "/dev/ttyACM1"


def test_a_debug_probe_alone_is_no_pico(plugged: list[ListPortInfo],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    plugged += [PROBE, UART]
    assert cli.main(["ports"]) == 3
    assert "no Pico found" in capsys.readouterr().out
    # A command needing the board says what it saw instead, and opens nothing.
    assert cli.main(["ping"]) == 3
    err = capsys.readouterr().err
    assert "no Pico found" in err and "/dev/ttyACM0 (Debug Probe" in err
    assert "2e8a:000c" in err and "--port" in err


def test_ports_all_lists_every_serial_port_with_its_usb_ids(
        plugged: list[ListPortInfo], capsys: pytest.CaptureFixture[str]) -> None:
    plugged += [UART, PICO, PROBE]
    assert cli.main(["ports", "--all"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [r[:3] for r in rows] == [["/dev/ttyACM0", "2e8a:000c", "-"],
                                     ["/dev/ttyACM1", "2e8a:0005", "Pico (MicroPython)"],
                                     ["/dev/ttyS0", "-", "-"]]
    assert rows[0][3].startswith("Debug Probe") and rows[0][4] == "E6633861A3978B2F"


def test_two_picos_ask_which(plugged: list[ListPortInfo]) -> None:
    plugged += [PICO, usb_port("/dev/ttyACM2", 0x2E8A, 0x0005, "Board in FS mode")]
    with pytest.raises(ports.PortError, match=r"several Picos found.*--port"):
        ports.choose()
