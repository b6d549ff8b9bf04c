"""Finding the Pico among the serial ports: one rule for every tool (the link,
the CLI, the monitor, make flash)."""

from __future__ import annotations

from dataclasses import dataclass

from serial.tools import list_ports

PICO_VID = 0x2E8A  # Raspberry Pi; MicroPython's USB serial reports PID 0x0005


class PortError(Exception):
    """No port could be chosen; the message says what to do."""


@dataclass(frozen=True)
class Candidate:
    device: str
    description: str
    serial_number: str | None


def candidates() -> list[Candidate]:
    """Serial ports whose USB vendor id is the Raspberry Pi one."""
    found = [
        Candidate(p.device, p.description or "", p.serial_number)
        for p in list_ports.comports()
        if p.vid == PICO_VID
    ]
    return sorted(found, key=lambda c: c.device)


def choose(port: str | None = None) -> str:
    """The port to use: the one given, else the only Pico plugged in."""
    if port:
        return port
    found = candidates()
    if len(found) == 1:
        return found[0].device
    if not found:
        raise PortError(
            "no Pico found (no serial port with USB vendor id 0x2E8A). Plug the board in "
            "with a data cable; if it is new, `make micropython` then `make flash`; "
            "or try it without hardware: `--sim` (or `make demo`)."
        )
    listed = ", ".join(f"{c.device} ({c.description})" for c in found)
    raise PortError(f"several Picos found: {listed}. Choose one with --port (make: PORT=).")
