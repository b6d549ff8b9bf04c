"""The tools that copy files to the board, run as commands: their Python APIs are
not stable, their command lines are (versions pinned in pyproject.toml). Each is
run with the Python that runs picofan, so it is the pinned one wherever picofan
was installed (a venv, pip --user, pipx)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from picofan.deploy.plan import MANIFEST, AppFile, DeployError, Inventory, inventory_script

TOOL_TIMEOUT = 300.0
MPREMOTE = [sys.executable, "-m", "mpremote"]
# ampy's cli module has no __main__ guard: call its click entry point.
AMPY = [sys.executable, "-c", "import sys; from ampy.cli import cli; sys.exit(cli())"]


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
            raise DeployError(f"{what}: {last_words(run.stdout + run.stderr)}")
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
        return [*MPREMOTE, "connect", self.port]

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
            raise DeployError(f"{where}: {last_words(''.join(lines))}")

    def remove(self, paths: list[str], manifest: Path) -> None:
        args = self._cmd()
        for p in paths:
            args += ["fs", "rm", ":" + p, "+"]
        args += ["fs", "cp", str(manifest), ":" + MANIFEST]
        self._run(args, "removing " + ", ".join(paths) if paths else f"writing {MANIFEST}")

    def repl_args(self) -> list[str]:
        return [*self._cmd(), "repl"]


class Ampy(Tool):
    name = "ampy"

    def _cmd(self) -> list[str]:
        return [*AMPY, "--port", self.port]

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


def last_words(output: str) -> str:
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "failed with no message"
