"""Control-loop timing while the network misbehaves: the firmware's App on MicroPython's
unix port, keeping real time, Wi-Fi up (the WLAN stand-in) and an MQTT session to a
broker on 127.0.0.1, under four scripts:

- up:       a real Mosquitto, answering;
- stalled:  a server that takes the TCP connection and never answers (a broker hung, or
            a link gone silent without a reset);
- half:     a broker that answers CONNACK and SUBACKs, then sends half a PUBLISH and
            stops (a stall mid-packet);
- flapping: a real Mosquitto killed and started again every 5 s.

Each script runs twice: with picofan's client (fanctl.net: fanctl.mqtt, never waiting)
and with a naive loop on micropython-lib's umqtt.simple 1.3.4 from PyPI (connect, then
publish and check_msg in the loop, as its examples do). The figure is each sample's
lateness: the gap between two samples minus the 100 ms period, over the run; a loop
that blocks until the end counts to the end. Goal: no sample late by more than one
period.

    .venv/bin/python benchmarks/wifi_jitter.py [SECONDS]
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from picofan.sim.chip_runner import micropython

ROOT = Path(__file__).resolve().parents[1]

PERIOD_MS = 100  # the firmware's default sample_ms
# micropython-lib's umqtt.simple as PyPI has it: an sdist pip will not download (no
# setup.py), so its file is found on pip's own default index and checked against this.
UMQTT = ("micropython-umqtt.simple-1.3.4.tar.gz",
         "b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f")
CACHE = ROOT / "build" / "bench-cache"


def umqtt_dir() -> Path:
    """umqtt.simple 1.3.4 from PyPI (pinned by its hash), unpacked once."""
    target = CACHE / "umqtt-1.3.4"
    if (target / "umqtt" / "simple.py").exists():
        return target
    from pip._internal.models.index import PyPI  # pip's default index, as `pip` uses it

    name, sha = UMQTT
    page = urllib.request.urlopen(f"{PyPI.simple_url}/micropython-umqtt-simple/",
                                  timeout=60).read().decode()
    links = [h for h in re.findall(r'href="([^"]+)"', page) if name in h.split("#")[0]]
    if not links:
        raise SystemExit(f"{name}: not on the package index")
    data = urllib.request.urlopen(urllib.parse.urljoin(PyPI.simple_url + "/", links[0]),
                                  timeout=60).read()
    if hashlib.sha256(data).hexdigest() != sha:
        raise SystemExit(f"{name}: not the file pinned (sha256 differs)")
    (target / "umqtt").mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile(f"{name.removesuffix('.tar.gz')}/umqtt/simple.py")
        assert member is not None
        (target / "umqtt" / "simple.py").write_bytes(member.read())
    (target / "umqtt" / "__init__.py").write_text("")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def mosquitto(port: int, flap_s: float | None = None) -> Iterator[None]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    conf = Path(tempfile.mkdtemp()) / "m.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    stop = threading.Event()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    proc = [start()]

    def flap() -> None:
        assert flap_s is not None
        while not stop.wait(flap_s):
            proc[0].send_signal(signal.SIGKILL)
            proc[0].wait()
            if stop.wait(flap_s):
                return
            proc[0] = start()

    flapper = threading.Thread(target=flap, daemon=True) if flap_s else None
    if flapper:
        flapper.start()
    try:
        yield
    finally:
        stop.set()
        if flapper:
            flapper.join()
        proc[0].kill()
        proc[0].wait()


@contextlib.contextmanager
def raw_server(port: int, serve: Callable[[socket.socket], None]) -> Iterator[None]:
    """A TCP server on 127.0.0.1:port that hands each connection to serve (a thread)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield
    finally:
        listener.close()
        for conn in held:
            conn.close()


def silent(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while conn.recv(4096):
            pass  # read what comes, answer nothing


def half_packet(conn: socket.socket) -> None:
    """CONNACK, a SUBACK for each SUBSCRIBE, then half a PUBLISH, then nothing."""
    with contextlib.suppress(OSError):
        conn.recv(4096)  # CONNECT
        conn.sendall(b"\x20\x02\x00\x00")
        publish = b"\x30\x14\x00\x0bpicofan/cmd" + b"payload"
        conn.sendall(publish[:8])
        while conn.recv(4096):
            pass


def run(kind: str, port: int, seconds: float) -> dict[str, float | int | str]:
    """One run on the unix port: sample lateness from the printed sample times."""
    work = Path(tempfile.mkdtemp(prefix="picofan-jitter-"))
    (work / "wifi.json").write_text(json.dumps(
        {"ssid": "bench", "password": "", "broker": f"mqtt://127.0.0.1:{port}"}))
    path = ":".join(str(p) for p in (ROOT / "firmware", ROOT / "host",
                                     umqtt_dir()))
    proc = subprocess.Popen(
        [micropython(), "-X", "heapsize=384K", str(ROOT / "benchmarks/mp_wifi_jitter.py"),
         kind, str(seconds)], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "MICROPYPATH": path})
    assert proc.stdout is not None
    samples: list[float] = []
    last_line = ""
    started = time.monotonic()
    deadline = started + seconds + 5

    def read() -> None:
        nonlocal last_line
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("s "):
                samples.append(time.monotonic())
            elif line:
                last_line = line

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        last_line = "blocked: killed at the end of the run"
        proc.kill()
        proc.wait()
    reader.join(5)
    end = started + seconds  # a loop that stopped sampling is late to the end
    times = [t for t in samples if t <= started + seconds]
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(times)]
    if times:
        gaps.append((end - times[-1]) * 1000)  # blocked since the last sample
    late = [g - PERIOD_MS for g in gaps]
    return {"samples": len(times), "max_late_ms": max(late, default=seconds * 1000),
            "late_over_period": sum(1 for x in late if x > PERIOD_MS), "end": last_line}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    print(f"control-loop lateness, {seconds:g} s per run, period {PERIOD_MS} ms "
          f"(a sample late by more than one period is counted)")
    print(f"{'script':<10} {'client':<8} {'samples':>7} {'max late':>10} "
          f"{'> 1 period':>10}  end state")
    scripts: list[tuple[str, Callable[[int], contextlib.AbstractContextManager[None]]]] = [
        ("up", lambda p: mosquitto(p)),
        ("stalled", lambda p: raw_server(p, silent)),
        ("half", lambda p: raw_server(p, half_packet)),
        ("flapping", lambda p: mosquitto(p, flap_s=5.0)),
    ]
    for name, broker in scripts:
        for kind in ("picofan", "naive"):
            port = free_port()
            with broker(port):
                r = run(kind, port, seconds)
            print(f"{name:<10} {kind:<8} {r['samples']:>7} {r['max_late_ms']:>8.0f} ms "
                  f"{r['late_over_period']:>10}  {r['end']}", flush=True)


if __name__ == "__main__":
    main()
