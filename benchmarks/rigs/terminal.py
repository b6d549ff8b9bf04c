"""A real terminal for the tests: tmux, running one command in a window of a given
size, keys sent as a person types them, the screen read back from the pane."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from polling import until


class Tmux:
    """A tmux server of its own (-L NAME) running one command in a sized window."""

    def __init__(self, name: str) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is needed here (Debian package tmux)")
        # Its own server per test process: the tests of another checkout on the same
        # machine run the same names at the same time.
        self.name = f"{name}-{os.getpid()}"

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
        return self("capture-pane", "-p", "-J", "-t", "main")  # -J: wrapped lines as one

    def bold(self) -> list[tuple[int, str]]:
        """(row, text) of what is drawn bold on the screen now (a list's highlighted
        option is)."""
        styled = self("capture-pane", "-p", "-e", "-J", "-t", "main").splitlines()
        return [(row, run.strip()) for row, line in enumerate(styled)
                for run in re.findall(r"\x1b\[1m(?:\x1b\[[0-9;]*m)*([^\x1b]+)", line)
                if run.strip()]

    def wait_for(self, *texts: str, timeout: float = 300.0) -> str:
        """The screen once it shows every one of `texts`; AssertionError if it never does
        (polling the pane, as a person looks now and then: there is no event to wait on)."""

        def showing() -> str:
            shown = self.screen()
            return shown if all(t in shown for t in texts) else ""

        try:
            return until(showing, f"{texts!r} on screen", timeout, every_s=0.1)
        except AssertionError as e:
            raise AssertionError(f"{e}; the screen:\n{self.screen()}") from None

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "main", *keys)

    def stop(self) -> None:
        self("kill-server")
