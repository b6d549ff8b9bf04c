"""A real MQTT broker on 127.0.0.1 for the tests, in its own process: Mosquitto where it
is installed (on the PATH, or in /usr/sbin where Debian puts it), else amqtt from the
dev dependencies, so a fresh clone needs no root. PICOFAN_TEST_BROKER=mosquitto|amqtt
chooses. It stops and starts again on the same port (a broker restart), and keeps
nothing across one (no persistence), as a freshly started broker would."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from polling import until

CHOICE_ENV = "PICOFAN_TEST_BROKER"


def mosquitto_path() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None


def amqtt_path() -> str:
    return str(Path(sys.executable).with_name("amqtt"))


def kind() -> str:
    """Which broker the tests use: 'mosquitto' or 'amqtt'."""
    chosen = os.environ.get(CHOICE_ENV)
    if chosen:
        if chosen not in ("mosquitto", "amqtt"):
            raise RuntimeError(f"{CHOICE_ENV}={chosen!r}: mosquitto or amqtt")
        return chosen
    return "mosquitto" if mosquitto_path() else "amqtt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            return False
        return True


class TestBroker:
    __test__ = False  # (not a test class)

    def __init__(self, folder: Path, *, kind_: str | None = None) -> None:
        self.kind = kind_ or kind()
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / f"{self.kind}.log"
        for _ in range(5):  # a free port may be taken between the look and the bind
            self.port = free_port()
            if self.start():
                return
        raise RuntimeError(f"{self.kind} did not start; its log: {self.log.read_text()[-2000:]}")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        if self.kind == "mosquitto":
            conf = self.folder / "mosquitto.conf"
            conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                            "persistence false\n")
            path = mosquitto_path()
            assert path, "mosquitto is not installed"
            return [path, "-c", str(conf), "-v"]
        conf = self.folder / "amqtt.yaml"
        conf.write_text(
            "listeners:\n  default:\n    type: tcp\n"
            f"    bind: \"127.0.0.1:{self.port}\"\n"
            "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n"
            "    allow_anonymous: true\n")
        return [amqtt_path(), "-c", str(conf)]

    def start(self) -> bool:
        """Start on self.port; False if it could not (the port taken)."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self._command(), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        until(lambda: self.proc is not None and (self.proc.poll() is not None
                                                 or accepts(self.port)),
              f"{self.kind} accepting connections on port {self.port}")
        return self.proc.poll() is None

    def stop(self) -> None:
        """Gone, as a crash or `systemctl stop` leaves it (amqtt has no SIGTERM handler:
        killed either way)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        until(lambda: not accepts(self.port), f"port {self.port} closed")

    def restart(self) -> None:
        self.stop()
        assert self.start(), f"{self.kind} did not start again on port {self.port}"

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.stop()
