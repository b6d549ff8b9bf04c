"""A fresh checkout of this repository in a folder of its own, as `git clone` leaves
it (the tracked files and new unignored ones, as they are in the work tree; no
.venv, no node_modules, no build leftovers), and tmux to watch a command in it.
For the setup and wheel tests and benchmarks/fresh_clone.py."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_checkout(dest: Path) -> Path:
    """The repository's files into `dest` (created); returns it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    dest.mkdir(parents=True, exist_ok=True)
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():  # a tracked file deleted in the work tree is gone
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


class Tmux:
    """A tmux server of its own (-L NAME) running one command in a sized window."""

    def __init__(self, name: str) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is needed here (Debian package tmux)")
        self.name = name

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.name, *args], capture_output=True,
                              text=True, check=False).stdout

    def start(self, command: str, cwd: Path, width: int = 100, height: int = 32) -> None:
        self("kill-server")
        # pytest exports COLUMNS/LINES, and Rich would believe them over the window's size;
        # under `make test`, make's own variables would make a make inside a nested one.
        clean = "env -u COLUMNS -u LINES -u MAKELEVEL -u MAKEFLAGS -u MFLAGS"
        self("-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", str(width),
             "-y", str(height), "-c", str(cwd), f"{clean} {command}")

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "main")

    def wait_for(self, *texts: str, timeout: float = 300.0) -> str:
        """The screen once it shows every one of `texts`; AssertionError if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if all(t in shown for t in texts):
                return shown
            time.sleep(0.1)  # polling the pane: there is no event to wait on
        raise AssertionError(f"{texts!r} never all appeared; the screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "main", *keys)

    def stop(self) -> None:
        self("kill-server")
