"""A real MQTT broker on 127.0.0.1 for the tests, in its own process: Mosquitto where it
is installed (on the PATH, or in /usr/sbin where Debian puts it), else amqtt from the
dev dependencies, so a fresh clone needs no root. PICOFAN_TEST_BROKER=mosquitto|amqtt
chooses. It stops and starts again on the same port (a broker restart), and keeps
nothing across one (no persistence), as a freshly started broker would."""

from __future__ import annotations

import contextlib
import getpass
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


def make_certificates(folder: Path) -> dict[str, Path]:
    """A certificate authority and a server certificate it signed for 127.0.0.1 (openssl):
    {"ca": the CA's certificate, "cert": the server's, "key": the server's key}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for args in (
        ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=picofan test CA"],
        ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"],
    ):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True,
                       timeout=60)
    return out


class TestBroker:
    """A broker on a free port; with login=(user, password) it refuses anyone else,
    with tls (make_certificates' files) it speaks only TLS (mqtts)."""

    __test__ = False  # (not a test class)

    def __init__(self, folder: Path, *, kind_: str | None = None,
                 login: tuple[str, str] | None = None,
                 tls: dict[str, Path] | None = None, port: int | None = None,
                 nodelay: bool = False) -> None:
        self.kind = kind_ or kind()
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.login = login
        self.tls = tls
        self.nodelay = nodelay  # Mosquitto's set_tcp_nodelay (off by default: Nagle's delays)
        self.passwords = self._password_file() if login else None
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / f"{self.kind}.log"
        for _ in range(5):  # a free port may be taken between the look and the bind
            self.port = port or free_port()
            if self.start():
                return
        raise RuntimeError(f"{self.kind} did not start; its log: {self.log.read_text()[-2000:]}")

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    def _password_file(self) -> Path:
        assert self.login
        user, password = self.login
        path = self.folder / "passwords"
        if self.kind == "mosquitto":
            path.write_text("")
            subprocess.run(["mosquitto_passwd", "-b", str(path), user, password], check=True,
                           capture_output=True, timeout=60)
        else:
            from pwdlib.hashers.argon2 import Argon2Hasher

            path.write_text(f"{user}:{Argon2Hasher().hash(password)}\n")
        return path

    def _command(self) -> list[str]:
        if self.kind == "mosquitto":
            conf = self.folder / "mosquitto.conf"
            # (as root it would become the user "mosquitto", who cannot read the test's files)
            lines = [f"listener {self.port} 127.0.0.1", "persistence false",
                     f"user {getpass.getuser()}"]
            lines += (["allow_anonymous false", f"password_file {self.passwords}"]
                      if self.passwords else ["allow_anonymous true"])
            if self.nodelay:
                lines.append("set_tcp_nodelay true")
            if self.tls:
                lines += [f"certfile {self.tls['cert']}", f"keyfile {self.tls['key']}"]
            conf.write_text("\n".join(lines) + "\n")
            path = mosquitto_path()
            assert path, "mosquitto is not installed"
            return [path, "-c", str(conf), "-v"]
        conf = self.folder / "amqtt.yaml"
        listener = f"    type: tcp\n    bind: \"127.0.0.1:{self.port}\"\n"
        if self.tls:
            listener += (f"    ssl: true\n    certfile: \"{self.tls['cert']}\"\n"
                         f"    keyfile: \"{self.tls['key']}\"\n")
        auth = (f"  amqtt.plugins.authentication.FileAuthPlugin:\n"
                f"    password_file: \"{self.passwords}\"\n" if self.passwords else
                "  amqtt.plugins.authentication.AnonymousAuthPlugin:\n"
                "    allow_anonymous: true\n")
        conf.write_text(f"listeners:\n  default:\n{listener}plugins:\n{auth}")
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
