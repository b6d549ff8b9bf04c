"""Run a benchmark's MicroPython script (benchmarks/mp_*.py) with a firmware folder on
its path, on the unix port from PyPI (64-bit, what the virtual Pico runs) or on the
official WebAssembly build from npm (32-bit, like the RP2040), and read the
`name value` lines it prints. Shared by telemetry_alloc.py and deploy_form.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MICROPYTHON = Path(sys.executable).with_name("micropython")
# The WebAssembly build, loaded by Node: the folder's .py and .mpy files copied into
# its filesystem, the folder first on sys.path.
_WASM = r"""
import fs from "node:fs";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
const [folder, heap, script, ...args] = process.argv.slice(1);
const mp = await loadMicroPython({ heapsize: parseInt(heap),
  stdout: (l) => process.stdout.write(l + "\n"), stderr: (l) => process.stderr.write(l + "\n") });
function copy(host, guest) {
  mp.FS.mkdirTree(guest);
  for (const e of fs.readdirSync(host, { withFileTypes: true })) {
    const from = `${host}/${e.name}`, to = `${guest}/${e.name}`;
    if (e.isDirectory()) { if (e.name !== "__pycache__") copy(from, to); }
    else if (/\.(py|mpy)$/.test(e.name)) mp.FS.writeFile(to, fs.readFileSync(from));
  }
}
copy(folder, "/fw");
const argv = JSON.stringify([script, ...args]);
mp.runPython(`import sys\nsys.path.insert(0, "/fw")\nsys.argv[:] = ${argv}`);
mp.runPython(fs.readFileSync(script, "utf8"));
"""


def wasm_available() -> bool:
    return shutil.which("node") is not None and (
        ROOT / "node_modules/@micropython/micropython-webassembly-pyscript").is_dir()


def run(port: str, script: str, firmware: Path, *args: str,
        heap: int = 1024 * 1024) -> dict[str, float]:
    """benchmarks/SCRIPT ARGS on `port` ("unix" or "wasm") with `firmware` (a folder
    holding fanctl/) on its path -> its printed figures. RuntimeError when it fails."""
    path = str(ROOT / "benchmarks" / script)
    if port == "unix":
        cmd = [str(MICROPYTHON), "-X", f"heapsize={heap}", path, *args]
        env = {**os.environ, "MICROPYPATH": str(firmware)}
    else:
        cmd = ["node", "--input-type=module", "-e", _WASM, str(firmware), str(heap), path,
               *args]
        env = dict(os.environ)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} ...: {(done.stderr or done.stdout)[-1500:]}")
    figures = {}
    for line in done.stdout.splitlines():
        name, _, value = line.partition(" ")
        if value:
            figures[name] = float(value)
    return figures


def firmware_at(rev: str, into: Path) -> Path:
    """The firmware/ folder of git revision REV, unpacked into `into`."""
    archive = subprocess.run(["git", "archive", rev, "firmware"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryFile() as f:
        f.write(archive)
        f.seek(0)
        with tarfile.open(fileobj=f) as tar:
            tar.extractall(into, filter="data")
    return into / "firmware"
