"""The firmware's memory under MicroPython, one measurement at a time or all of them.
The MicroPython side of each is a script in benchmarks/memory_mp/.

- import: heap in use after `from fanctl.app import App` and a collection, fanctl as
  .py source and as .mpy bytecode, on the official WebAssembly build (32-bit, like
  the RP2040).
- heap: the real App on a scripted board, telemetry every cycle (the worst case), on
  the WebAssembly build: heap in use after import, bytes allocated per control cycle,
  and the heap in use after a collection, sampled over CYCLES cycles (it must stay flat).
- mqtt: fanctl.mqtt on MicroPython's unix port (64-bit: its objects are up to twice the
  size of the RP2040's; bytearrays are the same): heap after import as .py and as .mpy,
  with a client built, and during a session with a real broker (Mosquitto, else
  amqtt); garbage per loop pass; the .mpy size for the RP2040 (mpy-cross -march=armv6m).
- wifi: the whole firmware's heap with Wi-Fi on, and an estimate of what it leaves free
  on a Pico W (the goal: at least 100 KB).
  1. The unix port (64-bit, real sockets), Mosquitto (else amqtt) on 127.0.0.1: the App
     USB only; with Wi-Fi on and no broker listening (the session down); and with Wi-Fi
     on in a broker session for SECONDS (discovery published, state every second), the
     peak of the heap held, read every 5 s after a collection.
  2. The WebAssembly build (32-bit; no `socket` module): the same App, USB only and
     with Wi-Fi on, held after start. A stand-in `socket` module lets `import socket`
     succeed; its getaddrinfo refuses, so the session stays down.
  3. The unix port: the most the largest discovery config (a PWM fan with a tach) holds
     while it is published (memory_mp/ha_discovery.py).
  Estimate for the RP2040 = (2) with Wi-Fi + the session's own objects from (1) + the
  discovery peak from (3); the 64-bit figures are no smaller than the 32-bit ones.

    .venv/bin/python benchmarks/memory.py [--measure import|heap|mqtt|wifi|all]
                                          [--cycles N] [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/rigs"))  # the rigs the tests use too

from micropython_wasm import firmware_heap  # noqa: E402
from micropython_wasm import run as run_wasm  # noqa: E402
from mqtt_broker import TestBroker, free_port  # noqa: E402

from picofan.sim.chip_runner import micropython  # noqa: E402

SCRIPTS = ROOT / "benchmarks/memory_mp"
MPY_CROSS = Path(sys.executable).with_name("mpy-cross")
UNIX_MICROPYTHON = Path(sys.executable).with_name("micropython")
MQTT_MODULES = ("dns", "mqtt_packets", "mqtt")  # what `from fanctl.mqtt import` loads
MQTT_SOURCES = [ROOT / f"firmware/fanctl/{name}.py" for name in MQTT_MODULES]
# The GC heap of MicroPython 1.29 on a Pico W: __GcHeapEnd - __GcHeapStart of a stock
# RPI_PICO_W build (197 528 bytes, as a public build report gives it; the rp2 port's
# heap is the RAM its static data leaves, 166 KB before 2023's linker-script heap).
PICO_W_HEAP = 197_528
WIFI_SCRIPT = SCRIPTS / "wifi.py"
# Only for `import socket` on the WebAssembly build, which has none.
SOCKET_STAND_IN = """AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2


def getaddrinfo(*args):
    raise OSError(113)  # EHOSTUNREACH: no network here
"""


# ------------------------------------------------------------------- import


def heap_after_import(firmware: Path) -> int:
    done = run_wasm(str(SCRIPTS / "import_heap.py"), firmware=firmware)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return int(done.stdout.split()[-1])


def compiled(into: Path) -> Path:
    # fanctl as .mpy only, as `make flash MPY=1` deploys it.
    for src in (ROOT / "firmware/fanctl").glob("*.py"):
        out = into / "fanctl" / (src.stem + ".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(MPY_CROSS), "-o", str(out), str(src)], check=True)
    return into


def measure_import() -> None:
    as_py = heap_after_import(ROOT / "firmware")
    with tempfile.TemporaryDirectory() as tmp:
        as_mpy = heap_after_import(compiled(Path(tmp)))
    print("heap in use after `from fanctl.app import App` (MicroPython WebAssembly, 32-bit)")
    print(f"  as .py  : {as_py:6d} bytes")
    print(f"  as .mpy : {as_mpy:6d} bytes")


# --------------------------------------------------------------------- heap


def measure_heap(cycles: int) -> None:
    m = firmware_heap(cycles)
    heap = m["heap"]
    assert isinstance(heap, list)
    print(f"MicroPython WebAssembly: {cycles} control cycles, telemetry every cycle")
    print(f"  heap in use after import : {m['after_import']:7d} bytes")
    print(f"  allocated per cycle      : {m['per_cycle']:7.0f} bytes (garbage, collected)")
    for done, used in heap:
        print(f"  heap in use after {done:7d} cycles: {used:7d} bytes")
    print(f"  growth first->last       : {heap[-1][1] - heap[0][1]:+d} bytes")
    print(f"  telemetry lines {m['lines']}, fan switches {m['switches']}")


# --------------------------------------------------------------------- mqtt


def mpy_cross(src: Path, out: Path, *flags: str) -> None:
    subprocess.run([sys.executable, "-m", "mpy_cross", *flags, "-o", str(out), str(src)],
                   check=True)


def mqtt_session(path: Path, port: str) -> dict[str, float]:
    run = subprocess.run([str(UNIX_MICROPYTHON), str(SCRIPTS / "mqtt.py"), port],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MICROPYPATH": f"{path}:.frozen"})
    if run.returncode:
        raise RuntimeError(run.stdout + run.stderr)
    return {k: float(v) for k, v in (line.split() for line in run.stdout.splitlines())}


def measure_mqtt() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mpy = folder / "mpy/fanctl"
        mpy.mkdir(parents=True)
        for name in ("__init__", *MQTT_MODULES):  # bytecode for the unix port
            mpy_cross(ROOT / f"firmware/fanctl/{name}.py", mpy / f"{name}.mpy")
        for src in MQTT_SOURCES:
            mpy_cross(src, folder / f"{src.stem}.armv6m.mpy", "-march=armv6m")
        broker = TestBroker(folder / "broker")
        try:
            as_py = mqtt_session(ROOT / "firmware", str(broker.port))
            as_mpy = mqtt_session(folder / "mpy", str(broker.port))
        finally:
            broker.close()
        size = sum((folder / f"{src.stem}.armv6m.mpy").stat().st_size for src in MQTT_SOURCES)
    print(f"fanctl.mqtt on MicroPython's unix port ({broker.kind} on 127.0.0.1)")
    print(f"  source {sum(src.stat().st_size for src in MQTT_SOURCES)} bytes "
          f"({', '.join(MQTT_MODULES)}); .mpy for the RP2040 {size} bytes")
    print("                                      as .py   as .mpy  (bytes)")
    for key, label in (("import_bytes", "heap in use after import"),
                       ("client_bytes", "  + a client built (tx 4096, rx 1024)"),
                       ("session_bytes", "  + connected, subscribed, 5 QoS 1 round trips"),
                       ("alloc_per_publish_and_poll", "garbage per publish(str, str) + poll"),
                       ("alloc_per_bytes_publish_and_poll",
                        "garbage per publish(bytes, bytes) + poll"),
                       ("alloc_per_idle_poll", "garbage per idle poll")):
        print(f"  {label:<46}{as_py[key]:8.0f}  {as_mpy[key]:8.0f}")
    print(f"  gc.mem_free(): before import {as_mpy['free_before_import']:.0f}, after "
          f"{as_mpy['free_after_import']:.0f}, in session {as_mpy['free_in_session']:.0f} "
          "(.mpy; the unix port's heap is 2 MB)")


# --------------------------------------------------------------------- wifi


def wifi_json(folder: Path, port: int) -> Path:
    path = folder / "wifi.json"
    path.write_text(json.dumps({"ssid": "bench", "password": "",
                                "broker": f"mqtt://127.0.0.1:{port}"}))
    return path


def on_unix(kind: str, wifi: Path, seconds: float) -> dict[str, int]:
    path = ":".join(str(p) for p in (ROOT / "firmware", ROOT / "host",
                                     ROOT / "benchmarks"))
    done = subprocess.run(
        [micropython(), "-X", "heapsize=384K", str(WIFI_SCRIPT), kind, str(wifi), str(seconds)],
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
                    "--mount", f"{ROOT / 'host'}:/h", "--path", "/h",  # the radio double
                    "--mount", f"{stand_in}:/s", "--path", "/s",
                    "--mount", f"{folder}:/w", "--each", "report()", "--times", "1",
                    str(WIFI_SCRIPT), kind, "/w/wifi.json", "1")
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return int([line for line in done.stdout.splitlines() if line.startswith("held ")][-1]
               .split()[1])


def discovery_peak() -> dict[str, int]:
    done = subprocess.run([micropython(), str(SCRIPTS / "ha_discovery.py"), "pwm_tach"],
                          capture_output=True, text=True, timeout=120,
                          env={"MICROPYPATH": str(ROOT / "firmware")})
    if done.returncode:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    got = dict(line.split() for line in done.stdout.splitlines() if line.strip())
    return {k.removeprefix("discovery_pwm_tach_"): int(v) for k, v in got.items()}


def measure_wifi(seconds: float) -> None:
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


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--measure", choices=("import", "heap", "mqtt", "wifi", "all"),
                        default="all", help="which measurement (default: all)")
    parser.add_argument("--cycles", type=int, default=100_000,
                        help="heap: control cycles to run (default 100000)")
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="wifi: seconds of each broker session (default 30)")
    args = parser.parse_args(argv)
    every = ("import", "heap", "mqtt", "wifi")
    for which in every if args.measure == "all" else (args.measure,):
        if which == "import":
            measure_import()
        elif which == "heap":
            measure_heap(args.cycles)
        elif which == "mqtt":
            measure_mqtt()
        else:
            measure_wifi(args.seconds)


if __name__ == "__main__":
    main(sys.argv[1:])
