"""The firmware's MQTT client (fanctl.mqtt) running on MicroPython's unix port, driven
from a test: tests/micropython/mqtt_driver.py in its own process, commands in, events
out (state changes, messages received, replies), all kept in order."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from polling import until

ROOT = Path(__file__).resolve().parents[2]
UNIX_MICROPYTHON = Path(sys.executable).parent / "micropython"
DRIVER = ROOT / "tests/micropython/mqtt_driver.py"


class MicroPythonClient:
    """MQTTClient(**kwargs) on MicroPython; `events` holds every event it printed."""

    def __init__(self, **kwargs: Any) -> None:
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.started = 0  # mark() before the last start: its states come after it
        self.proc = subprocess.Popen(
            [str(UNIX_MICROPYTHON), str(DRIVER), json.dumps(kwargs)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={"MICROPYPATH": f"{ROOT / 'firmware'}:.frozen"})
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        until(lambda: self.states() or self._died(), "the client's first state")

    def _read(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            with self._lock:
                self.events.append(json.loads(line))

    def _seen(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.events)

    def ask(self, do: str, **args: Any) -> Any:
        """Send a command; its reply (publish/subscribe: the client's True/False)."""
        n = next(self._ids)
        if do == "start":
            self.started = self.mark()
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps({"id": n, "do": do, **args}) + "\n")
        self.proc.stdin.flush()
        return until(lambda: next(({"r": e["reply"]} for e in self._seen()
                                   if e.get("id") == n), None) or self._died(),
                     f"the reply to {do}")["r"]

    def _died(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"the MicroPython client died: {self.proc.stderr.read()}"
                                 if self.proc.stderr else "the MicroPython client died")

    def states(self) -> list[tuple[str, str]]:
        return [(e["state"], e["error"]) for e in self._seen() if "state" in e]

    def mark(self) -> int:
        """A place in the list of states: wait_state(..., after=mark) looks only past it."""
        return len(self.states())

    def wait_state(self, state: str, after: int = 0) -> str:
        """Wait for `state` at index `after` or later of states() (every state reported
        after a poll that changed it, and after each start and close); the error text it
        came with ("-" for none)."""
        def found() -> str | None:
            self._died()
            for i, (s, error) in enumerate(self.states()):
                if i >= after and s == state:
                    return error if error else "-"
            return None

        return until(found, f"the client {state}")

    def messages(self) -> list[tuple[str, str]]:
        return [(e["msg"], e["payload"]) for e in self._seen() if "msg" in e]

    def retained(self) -> list[tuple[str, str, bool]]:
        """The messages received, each with its PUBLISH retain flag."""
        return [(e["msg"], e["payload"], e["retain"]) for e in self._seen() if "msg" in e]

    def stats(self) -> dict[str, Any]:
        got: dict[str, Any] = self.ask("stats")
        return got

    def quit(self) -> None:
        """End the process at once: its socket closes without a DISCONNECT."""
        if self.proc.poll() is None:
            assert self.proc.stdin
            self.proc.stdin.write(json.dumps({"id": 0, "do": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(60)

    def stderr(self) -> str:
        self.quit()
        assert self.proc.stderr
        return self.proc.stderr.read()

    def close(self) -> None:
        try:
            self.quit()
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
