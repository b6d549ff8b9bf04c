"""Flashing, step by step: read the board, copy what differs, verify every file by
its hash on the board, remove what an earlier flash left, soft-reset into the app
and check it reports the version just copied. Also the soft reset and the REPL."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import serial

from picofan import ports
from picofan.deploy.plan import (
    DeployError,
    compare,
    firmware_version,
    flash_plan,
    paths_to_read,
    verify,
)
from picofan.deploy.tools import TOOLS, Mpremote

HELLO_TIMEOUT_S = 15.0


def _say(text: str) -> None:
    print(text, flush=True)  # in order with the tools' own lines on a pipe


def flash(port: str | None, tool_name: str = "mpremote", mpy: bool = True,
          hello_timeout: float = HELLO_TIMEOUT_S, say: Callable[[str], None] = _say) -> str:
    """Put the packaged firmware on the board and start it; returns the port."""
    device = ports.choose(port)
    if ports.registered_sim(device):  # (it has no REPL for the tools to copy through)
        raise DeployError(f"{device} is a virtual Pico: it already runs this checkout's "
                          "firmware, nothing to flash")
    ports.check_free(device)
    tool = TOOLS[tool_name](device)
    version = firmware_version()
    say(f"flashing picofan firmware {version} to {device} with {tool_name}"
        + (" (compiled to .mpy)" if mpy else ""))
    with tempfile.TemporaryDirectory() as tmp:
        plan = flash_plan(mpy, Path(tmp))
        changes = compare(plan, tool.inventory(paths_to_read(plan)))
        if changes.copy:
            tool.copy(changes.copy)
            verify(plan, tool.inventory([f.remote for f in plan]))
            say(f"verified {len(plan)} files by sha256")
        else:
            say(f"nothing to copy: all {len(plan)} files on the board are up to date")
        # Removing only now: until every file is copied and verified, the board
        # keeps whatever it had, so running flash again finishes the job.
        if changes.manifest is not None:
            for p in changes.remove:
                say(f"  rm    {p}")
            manifest = Path(tmp) / "manifest"
            manifest.write_text(changes.manifest)
            tool.remove(changes.remove, manifest)
    hello = restart(device, hello_timeout)
    say(f"running picofan {hello.get('fw')} on {hello.get('board')}")
    if hello.get("fw") != version:
        raise DeployError(f"the board says version {hello.get('fw')}, the firmware "
                          f"flashed is {version}")
    return device


def restart(device: str, timeout: float = HELLO_TIMEOUT_S) -> dict[str, object]:
    """Soft-reset into the app (friendly REPL + Ctrl-D runs main.py) and return its hello."""
    ports.check_free(device)
    try:
        with serial.Serial(device, 115200, timeout=0.1, exclusive=True) as link:
            return wait_for_hello(link, timeout)
    except TimeoutError as e:
        raise DeployError(str(e)) from None
    except serial.SerialException as e:
        raise ports.PortError(ports.why_not_open(device, e)) from None


def repl(port: str | None) -> None:
    """Replace this process with mpremote's REPL on the board."""
    device = ports.choose(port)
    ports.check_free(device)
    args = Mpremote(device).repl_args()
    os.execv(args[0], args)


def wait_for_hello(link: serial.Serial, timeout: float) -> dict[str, object]:
    """Stop whatever runs, soft-reset from the friendly REPL (which runs main.py, as
    a raw-REPL reset does not) and return the app's hello line."""
    link.reset_input_buffer()
    link.write(b"\r\x03\x03")  # Ctrl-C twice: interrupt the app or a stuck script
    link.write(b"\x02")  # Ctrl-B: the friendly REPL, should a tool have left it raw
    _read_until(link, lambda buf: buf.endswith(b">>> "), 5.0, "REPL prompt")
    link.write(b"\x04")  # Ctrl-D: soft reset
    found: dict[str, object] = {}

    def hello_in(buf: bytes) -> bool:
        for line in buf.splitlines():
            line = line.strip()
            if line.startswith(b"{"):
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and msg.get("type") == "hello":
                    found.update(msg)
                    return True
        return False

    _read_until(link, hello_in, timeout, "hello from the app after a soft reset")
    return found


def _read_until(link: serial.Serial, done: Callable[[bytes], bool], timeout: float,
                what: str) -> bytes:
    buf: bytes = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        buf += link.read(link.in_waiting or 1)  # waits up to the port's read timeout
        if done(buf):
            return buf
    tail = buf.decode(errors="replace").strip()[-400:]
    raise TimeoutError(f"no {what} within {timeout:.0f} s; the board said: {tail or 'nothing'}")
