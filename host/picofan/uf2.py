"""MicroPython itself onto a Pico W or Pico 2 W in BOOTSEL mode: find its drive
(RPI-RP2 or RP2350: which chip it is), check the UF2 is for that chip, copy it,
wait for the board to come back as a serial port."""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from fanctl.chips import CHIPS
from picofan import ports
from picofan.micropython import uf2_url

BLOCK = 512
MAGIC_START0 = 0x0A324655  # "UF2\n"
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30
FLAG_FAMILY = 0x00002000
# Blocks written to flash as they are, whatever the chip: picotool puts some before an
# RP2350 image (the RP2350-E10 workaround). They say nothing of the chip.
ABSOLUTE_FAMILY = 0xE48BFF57
BOOTSEL_ROOTS_ENV = "PICOFAN_BOOTSEL_ROOTS"  # os.pathsep-separated; for unusual mounts


class Chip(NamedTuple):
    """What the host needs of a fanctl.chips entry."""

    name: str
    label: str  # its BOOTSEL drive's
    families: tuple[int, ...]  # the UF2 family ids of its programs
    build: str  # the official MicroPython build for its board
    board: str

    def __str__(self) -> str:
        return f"{self.board} ({self.name})"


KNOWN = [Chip(c[0], c[2], tuple(c[3]), c[4], c[5]) for c in CHIPS]
LABELS = " or ".join(c.label for c in KNOWN)


class Uf2Error(Exception):
    """Something the user must fix; the message says what."""


def check(path: Path) -> tuple[int, Chip | None]:
    """The number of blocks in a valid UF2 file and the chip its program is for (None
    if its blocks name no family), or Uf2Error saying why not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Uf2Error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Uf2Error(f"{path} is a folder, not a UF2 file") from None
    if not data or len(data) % BLOCK:
        raise Uf2Error(f"{path} is not a UF2 file: its size ({len(data)} bytes) is not a "
                       f"whole number of {BLOCK}-byte blocks")
    families = set()
    for n in range(len(data) // BLOCK):
        block = data[n * BLOCK:(n + 1) * BLOCK]
        start0, start1, flags = struct.unpack_from("<III", block, 0)
        (end,) = struct.unpack_from("<I", block, BLOCK - 4)
        if (start0, start1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END):
            raise Uf2Error(f"{path} is not a UF2 file: block {n} lacks the UF2 magic numbers")
        if flags & FLAG_FAMILY:
            families.add(struct.unpack_from("<I", block, 28)[0])
    if not families:
        return len(data) // BLOCK, None
    program = families - {ABSOLUTE_FAMILY}
    if not program:
        raise Uf2Error(f"{path} holds no program: only blocks of the absolute family "
                       f"(0x{ABSOLUTE_FAMILY:08X}), written to flash as they are")
    for chip in KNOWN:
        if program <= set(chip.families):
            return len(data) // BLOCK, chip
    takes = "; ".join(f"the {c}'s takes " + " or ".join(f"0x{f:08X}" for f in c.families)
                      for c in KNOWN)
    found = ", ".join(f"0x{f:08X}" for f in sorted(program))
    raise Uf2Error(f"{path} is a UF2 for another chip (family {found}): {takes}")


def bootsel_roots() -> list[Path]:
    if os.environ.get(BOOTSEL_ROOTS_ENV):
        return [Path(p) for p in os.environ[BOOTSEL_ROOTS_ENV].split(os.pathsep) if p]
    # Without a user name (no USER: cron, a container) only the shared places.
    user = os.environ.get("USER", "")
    mine = (f"/media/{user}", f"/run/media/{user}") if user else ()
    return [Path(p) for p in (*mine, "/media", "/mnt", "/Volumes")]


def find_bootsel() -> tuple[Path, Chip]:
    """The mounted BOOTSEL drive (a folder named as a chip's boot ROM names it, that
    holds INFO_UF2.TXT) and so the chip of the board in BOOTSEL."""
    found = sorted({(root / c.label, c) for root in bootsel_roots() for c in KNOWN
                    if (root / c.label / "INFO_UF2.TXT").is_file()})
    if len(found) == 1:
        return found[0]
    if not found:
        looked = ", ".join(str(r) for r in bootsel_roots())
        names = ", ".join(f"{c.label} for a {c.board}" for c in KNOWN)
        raise Uf2Error(
            f"no BOOTSEL drive ({LABELS}) is mounted (looked in {looked}). Unplug the Pico, "
            "hold its BOOTSEL button while plugging it back in, release it; a drive appears "
            f"({names}; mount it if your system does not). "
            f"Mounted elsewhere? Set {BOOTSEL_ROOTS_ENV} to the folder that holds it.")
    raise Uf2Error("several BOOTSEL drives: " + ", ".join(str(d) for d, _ in found)
                   + ". Leave one Pico in BOOTSEL mode.")


def download(url: str) -> Path:
    """The official build, fetched once into the user's cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "picofan"
    target = cache / url.rsplit("/", 1)[-1]
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as r, \
                tempfile.NamedTemporaryFile(dir=cache, delete=False) as f:
            shutil.copyfileobj(r, f)
    except OSError as e:
        raise Uf2Error(f"could not download {url}: {e}. Download it by hand and run "
                       "`make micropython UF2=that-file.uf2`") from None
    os.replace(f.name, target)
    return target


def install(uf2: Path | None, wait_s: float = 30.0,
            say: Callable[[str], None] = print) -> str:
    """Copy the UF2 to the BOOTSEL drive and wait for the serial port; returns it."""
    drive, chip = find_bootsel()  # first: no point downloading for a board not there
    if uf2 is None:
        url = uf2_url(chip.build)
        say(f"downloading {url}")
        uf2 = download(url)
    blocks, for_chip = check(uf2)
    if for_chip is not None and for_chip != chip:
        raise Uf2Error(f"{uf2} is a UF2 for another chip: the {for_chip.name} "
                       f"({for_chip.board}); the board in BOOTSEL is a {chip} ({drive}). "
                       f"Its build: {uf2_url(chip.build)}")
    before = {c.device for c in ports.candidates()}
    say(f"copying {uf2.name} ({blocks} blocks) to {drive}")
    # The board reboots as soon as the last block lands; it may vanish mid-close.
    try:
        shutil.copyfile(uf2, drive / uf2.name)
    except OSError as e:
        if (drive / "INFO_UF2.TXT").exists():
            raise Uf2Error(f"could not copy to {drive}: {e}") from None
    say(f"waiting for the {chip.board} to come back as a serial port")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        new = [c.device for c in ports.candidates() if c.device not in before]
        if new:
            return new[0]
        time.sleep(0.25)  # polling the OS's port list: there is no event to wait on
    raise Uf2Error(f"copied, but no Pico serial port appeared within {wait_s:.0f} s. "
                   "Unplug and replug it (without BOOTSEL); if it still does not appear, "
                   f"the UF2 may not be a MicroPython build for the {chip.board}.")
