"""Where the broker is and how to log in: the --broker URL, the credentials (from the
environment or a file, never the command line), TLS for mqtts://, and the paho client
made from them."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import stat
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from picofan.bridge.guard import MAX_PACKET, Framing, PacketTooLarge

PORTS = {"mqtt": 1883, "mqtts": 8883}
USERNAME_ENV, PASSWORD_ENV = "PICOFAN_MQTT_USERNAME", "PICOFAN_MQTT_PASSWORD"
# paho pings a broker that said nothing for KEEPALIVE_S, and drops it when the ping gets
# no answer in as long again; SILENT_S: said once before that.
KEEPALIVE_S = 10
SILENT_S = 15
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 16  # paho doubles the wait after each failure
# A broker that does not speak MQTT 5 refuses its CONNECT ("Unsupported protocol version",
# paho's name for MQTT 3.1.1's refusal too), or never answers it (amqtt): after a refusal,
# or CONNACK_WAIT_S without a byte, the next try is in MQTT 3.1.1.
CONNACK_WAIT_S = 5
UNSUPPORTED_VERSION = 132


class BrokerError(ValueError):
    """A bad --broker, --credentials or --ca-file: one line saying what to fix."""


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def parse_url(url: str) -> Broker:
    """mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (1883 and 8883 by default)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in PORTS:
        raise BrokerError(f"--broker {url!r}: write mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")
    if parts.username is not None or parts.password is not None:
        raise BrokerError(f"--broker: no user or password in the URL (command lines are "
                          f"visible to every user); set {USERNAME_ENV} and {PASSWORD_ENV}, "
                          "or use --credentials FILE")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BrokerError(f"--broker {url!r}: only a host and a port, e.g. mqtt://localhost:1883")
    try:
        port = parts.port or PORTS[parts.scheme]
    except ValueError:
        raise BrokerError(f"--broker {url!r}: the port must be a number 1-65535") from None
    if not parts.hostname:
        raise BrokerError(f"--broker {url!r}: no host")
    return Broker(parts.hostname, port, parts.scheme == "mqtts")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str | None
    source: str  # where they came from, for the log (never the values)


def credentials(path: str | None) -> tuple[Credentials | None, str | None]:
    """The login, from --credentials FILE (first line the user name, second the
    password) or else the environment; and a warning when the file is readable by
    others. None: log in anonymously."""
    if path:
        try:
            lines = Path(path).read_text().splitlines()
            mode = os.stat(path).st_mode
        except (OSError, UnicodeDecodeError) as e:
            raise BrokerError(f"--credentials {path}: cannot read it ({e})") from None
        if not lines or not lines[0].strip():
            raise BrokerError(f"--credentials {path}: the first line must be the user name "
                              "(and the second the password)")
        warning = (f"--credentials {path} is readable by other users: chmod 600 it"
                   if mode & (stat.S_IRWXG | stat.S_IRWXO) else None)
        return Credentials(lines[0].strip(), lines[1] if len(lines) > 1 else None,
                           f"the file {path}"), warning
    user = os.environ.get(USERNAME_ENV)
    if user:
        return Credentials(user, os.environ.get(PASSWORD_ENV), f"${USERNAME_ENV}"), None
    if os.environ.get(PASSWORD_ENV):
        raise BrokerError(f"{PASSWORD_ENV} is set but {USERNAME_ENV} is not")
    return None, None


class Client(mqtt.Client):
    """paho's client, keeping why the last connection attempt failed (paho's own
    on_connect_fail callback is not told): a refused certificate, a closed port. Its
    socket sends at once (TCP_NODELAY): a command's result follows the PUBACK of the
    command, and Nagle's algorithm held it back for the broker's delayed ACK (40 ms).
    What it reads goes through a guard (picofan.bridge.guard): a packet over the cap
    drops the connection (`dropped` says why), and a broker silent for SILENT_S while
    connected is said once, to on_silent (its seconds of silence).

    It speaks MQTT 5 (open()), announcing the largest packet it takes, so a broker that
    honours it never sends one; with a broker that speaks only MQTT 3.1.1 it speaks that
    (`protocol` says which), and the guard is the only cap."""

    last_error: OSError | None = None
    dropped: PacketTooLarge | None = None
    on_silent: Callable[[float], None] | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.framing = Framing()
        self._said_silent = False
        self._unanswered_since: float | None = None  # a CONNECT sent, not a byte back yet
        self._fell_back = False  # speaking MQTT 3.1.1: MQTT 5 was refused, or not answered

    def open(self, host: str, port: int) -> None:
        """Connect (paho's thread, which reconnects) in MQTT 5 with a clean start and no
        session kept after a disconnect (MQTT 3.1.1's clean session), announcing
        MAX_PACKET as the largest packet the bridge takes."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.MaximumPacketSize = MAX_PACKET
        self.connect_async(host, port, keepalive=KEEPALIVE_S, clean_start=True,
                           properties=props)
        self.loop_start()

    def refused_version(self, reason: ReasonCode) -> bool:
        """After a refused CONNECT: True when the broker refused MQTT 5 itself; the next
        try is in MQTT 3.1.1."""
        if self._protocol != mqtt.MQTTv5 or reason.value != UNSUPPORTED_VERSION:
            return False
        self._speak(mqtt.MQTTv311)
        return True

    def _speak(self, protocol: MQTTProtocolVersion) -> None:
        # (paho keeps the version here, and changes it the same way itself to fall back
        # from MQTT 3.1.1 to 3.1; 3.1.1's clean session is MQTT 5's clean start)
        self._fell_back = protocol != mqtt.MQTTv5
        self._protocol = protocol
        self._clean_session = True

    def _sock_recv(self, bufsize: int) -> bytes:
        data = super()._sock_recv(bufsize)
        try:
            self.framing.feed(data)
        except PacketTooLarge as e:
            self.dropped = e
            raise  # (an OSError: paho drops the connection, and calls on_disconnect)
        self._said_silent = False
        if data:
            self._unanswered_since = None
        return data

    def loop_misc(self) -> MQTTErrorCode:
        code = super().loop_misc()
        quiet = time.monotonic() - self.framing.heard_at
        if self.is_connected() and quiet >= SILENT_S and not self._said_silent:
            self._said_silent = True
            if self.on_silent:
                self.on_silent(quiet)
        sent = self._unanswered_since
        sock = self.socket()
        if (sent is not None and time.monotonic() - sent >= CONNACK_WAIT_S
                and isinstance(sock, socket.socket)):
            with contextlib.suppress(OSError):  # paho reads the end, and tries again
                sock.shutdown(socket.SHUT_RDWR)
        return code

    def reconnect(self) -> MQTTErrorCode:
        if self._unanswered_since is not None:  # the last CONNECT got not a byte back
            if self._protocol == mqtt.MQTTv5:
                self._speak(mqtt.MQTTv311)
            elif self._fell_back:  # (no answer in 3.1.1 either: a broker not answering)
                self._speak(mqtt.MQTTv5)
        self._unanswered_since = None
        self.framing.reset()
        self._said_silent = False
        try:
            code = super().reconnect()
        except OSError as e:
            self.last_error = e
            raise
        self._unanswered_since = time.monotonic()
        sock = self.socket()
        if isinstance(sock, socket.socket):  # (an ssl.SSLSocket is one too)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return code


def tls_context(broker: Broker, ca_file: str | None) -> ssl.SSLContext | None:
    """For mqtts://: verifying the broker's certificate against ca_file (else the
    system's authorities) and its host name. BrokerError for a CA file that is no use."""
    if not broker.tls:
        if ca_file:
            raise BrokerError("--ca-file is for mqtts:// brokers")
        return None
    if ca_file and not os.path.isfile(ca_file):
        raise BrokerError(f"--ca-file {ca_file}: no such file")
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ValueError) as e:  # (ssl.SSLError is an OSError)
        raise BrokerError(f"--ca-file {ca_file}: not a CA certificate in PEM form ({e})") from None


def client(client_id: str, login: Credentials | None, tls: ssl.SSLContext | None) -> Client:
    """A paho client (MQTT 5, else 3.1.1; callback API 2) for the bridge: reconnecting
    by itself with a doubling wait, over TLS when given a context."""
    c = Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
    if login:
        c.username_pw_set(login.username, login.password)
    if tls:
        c.tls_set_context(tls)
    return c
