"""MicroPython itself onto a Pico W in BOOTSEL mode: find the RPI-RP2 drive,
check the UF2, copy it, wait for the board to come back as a serial port."""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from picofan import ports
from picofan.micropython import PICO_W_UF2_URL

BLOCK = 512
MAGIC_START0 = 0x0A324655  # "UF2\n"
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30
FLAG_FAMILY = 0x00002000
RP2040_FAMILY = 0xE48BFF56
BOOTSEL_LABEL = "RPI-RP2"
BOOTSEL_ROOTS_ENV = "PICOFAN_BOOTSEL_ROOTS"  # os.pathsep-separated; for unusual mounts


class Uf2Error(Exception):
    """Something the user must fix; the message says what."""


def check(path: Path) -> int:
    """The number of blocks in a valid RP2040 UF2 file, or Uf2Error saying why not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Uf2Error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Uf2Error(f"{path} is a folder, not a UF2 file") from None
    if not data or len(data) % BLOCK:
        raise Uf2Error(f"{path} is not a UF2 file: its size ({len(data)} bytes) is not a "
                       f"whole number of {BLOCK}-byte blocks")
    for n in range(len(data) // BLOCK):
        block = data[n * BLOCK:(n + 1) * BLOCK]
        start0, start1, flags = struct.unpack_from("<III", block, 0)
        (end,) = struct.unpack_from("<I", block, BLOCK - 4)
        if (start0, start1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END):
            raise Uf2Error(f"{path} is not a UF2 file: block {n} lacks the UF2 magic numbers")
        (family,) = struct.unpack_from("<I", block, 28)
        if flags & FLAG_FAMILY and family != RP2040_FAMILY:
            raise Uf2Error(f"{path} is a UF2 for another chip (family 0x{family:08X}); "
                           f"the Pico W's RP2040 needs 0x{RP2040_FAMILY:08X}")
    return len(data) // BLOCK


def bootsel_roots() -> list[Path]:
    if os.environ.get(BOOTSEL_ROOTS_ENV):
        return [Path(p) for p in os.environ[BOOTSEL_ROOTS_ENV].split(os.pathsep) if p]
    # Without a user name (no USER: cron, a container) only the shared places.
    user = os.environ.get("USER", "")
    mine = (f"/media/{user}", f"/run/media/{user}") if user else ()
    return [Path(p) for p in (*mine, "/media", "/mnt", "/Volumes")]


def find_bootsel() -> Path:
    """The mounted RPI-RP2 drive: a folder so named that holds INFO_UF2.TXT."""
    found = sorted({d for root in bootsel_roots() for d in (root / BOOTSEL_LABEL,)
                    if (d / "INFO_UF2.TXT").is_file()})
    if len(found) == 1:
        return found[0]
    if not found:
        looked = ", ".join(str(r) for r in bootsel_roots())
        raise Uf2Error(
            f"no {BOOTSEL_LABEL} drive is mounted (looked in {looked}). Unplug the Pico W, "
            "hold its BOOTSEL button while plugging it back in, release it; a drive named "
            f"{BOOTSEL_LABEL} appears (mount it if your system does not). "
            f"Mounted elsewhere? Set {BOOTSEL_ROOTS_ENV} to the folder that holds it.")
    raise Uf2Error("several RPI-RP2 drives: " + ", ".join(map(str, found))
                   + ". Leave one Pico in BOOTSEL mode.")


def download(url: str = PICO_W_UF2_URL) -> Path:
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
    drive = find_bootsel()  # first: no point downloading for a board that isn't there
    if uf2 is None:
        say(f"downloading {PICO_W_UF2_URL}")
        uf2 = download()
    blocks = check(uf2)
    before = {c.device for c in ports.candidates()}
    say(f"copying {uf2.name} ({blocks} blocks) to {drive}")
    # The board reboots as soon as the last block lands; it may vanish mid-close.
    try:
        shutil.copyfile(uf2, drive / uf2.name)
    except OSError as e:
        if (drive / "INFO_UF2.TXT").exists():
            raise Uf2Error(f"could not copy to {drive}: {e}") from None
    say("waiting for the Pico W to come back as a serial port")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        new = [c.device for c in ports.candidates() if c.device not in before]
        if new:
            return new[0]
        time.sleep(0.25)  # polling the OS's port list: there is no event to wait on
    raise Uf2Error(f"copied, but no Pico serial port appeared within {wait_s:.0f} s. "
                   "Unplug and replug it (without BOOTSEL); if it still does not appear, "
                   "the UF2 may not be a MicroPython build for the Pico W.")
