"""Which board is on each port: its name and unique id, asked with hello, every port
at once (so a board that does not answer costs one timeout, not one each)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from picofan import ports
from picofan.client import AT_REPL, SHARED, Device, DeviceError, ReplyTimeout
from picofan.link import LinkLost

OK, BUSY, NO_ANSWER, CANNOT_OPEN = "ok", "busy", "no answer", "cannot open"
HEX_UID = re.compile(r"[0-9a-fA-F]{16}")


@dataclass(frozen=True)
class Identity:
    port: ports.Candidate
    state: str  # OK, BUSY, NO_ANSWER or CANNOT_OPEN
    detail: str  # what a person reads: the board and firmware, or why there is no answer
    name: str | None = None  # the board's name setting ("": unnamed); None: not known
    uid: str | None = None  # None: not known


def clash(port: str, uid: str, first: str, refused: str) -> str:
    """The one line every tool says of a second board claiming a unique id that the
    board on `first` already has (refused: what the tool does not do with it)."""
    return (f"{port}: {refused}: it claims unique id {uid}, which the board on {first} "
            "already has (a cloned flash, or virtual Picos given the same --seed); "
            f"the board on {first} carries on")


def known_uid(port: ports.Candidate) -> str | None:
    """The unique id without asking: a virtual Pico registers its own, and MicroPython
    makes a real Pico's USB serial number of the same flash id (in hex: upper case,
    where machine.unique_id() is hexlified in lower case)."""
    serial = port.serial_number
    return serial.lower() if serial and HEX_UID.fullmatch(serial) else None


def identify(boards: Sequence[ports.Candidate], timeout: float) -> list[Identity]:
    """Each board's identity, in the order given."""
    if not boards:
        return []
    with ThreadPoolExecutor(max_workers=len(boards)) as pool:
        return list(pool.map(lambda board: ask(board, timeout), boards))


def ask(board: ports.Candidate, timeout: float) -> Identity:
    device = Device(board.device, reply_timeout=timeout, reconnect=False)
    try:
        device.start()
    except LinkLost as e:
        if ports.is_busy(e.__cause__):
            return Identity(board, BUSY, f"busy: held by {ports.held_by(board.device)}",
                            uid=known_uid(board))
        return Identity(board, CANNOT_OPEN, str(e), uid=known_uid(board))
    try:
        hello = device.request("hello")
    except (ReplyTimeout, DeviceError) as e:
        text = str(e)
        if AT_REPL not in text and SHARED not in text:  # (else the reason is known)
            text += (f" (is picofan's firmware on it? `picofan flash --port {board.device}`"
                     " puts it there)")
        return Identity(board, NO_ANSWER, text, uid=known_uid(board))
    finally:
        device.close()
    settings = hello.get("settings")
    name = settings.get("name", "") if isinstance(settings, dict) else ""
    uid = hello.get("uid")
    what = f"{hello.get('board')}, firmware {hello.get('fw')}"
    if board.is_virtual:
        what += f"; {board.description}"
    return Identity(board, OK, what, name=str(name),
                    uid=uid if isinstance(uid, str) else known_uid(board))
