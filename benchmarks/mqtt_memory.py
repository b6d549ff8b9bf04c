"""fanctl.mqtt's memory (with fanctl.mqtt_packets and fanctl.dns, which it imports) on
MicroPython's unix port (64-bit: its objects are up to twice the size of the RP2040's;
bytearrays are the same): heap after import as .py and as .mpy,
with a client built, and during a session with a real broker (Mosquitto, else amqtt);
garbage per loop pass; the .mpy size for the RP2040 (mpy-cross -march=armv6m).

    .venv/bin/python benchmarks/mqtt_memory.py
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/helpers"))  # the rigs the tests use too

from mqtt_broker import TestBroker  # noqa: E402

UNIX_MICROPYTHON = Path(sys.executable).with_name("micropython")
MODULES = ("dns", "mqtt_packets", "mqtt")  # what `from fanctl.mqtt import` loads
SOURCES = [ROOT / f"firmware/fanctl/{name}.py" for name in MODULES]


def mpy_cross(src: Path, out: Path, *flags: str) -> None:
    subprocess.run([sys.executable, "-m", "mpy_cross", *flags, "-o", str(out), str(src)],
                   check=True)


def measure(path: Path, port: str) -> dict[str, float]:
    run = subprocess.run([str(UNIX_MICROPYTHON), str(ROOT / "benchmarks/mp_mqtt_memory.py"),
                          port], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MICROPYPATH": f"{path}:.frozen"})
    if run.returncode:
        raise RuntimeError(run.stdout + run.stderr)
    return {k: float(v) for k, v in (line.split() for line in run.stdout.splitlines())}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mpy = folder / "mpy/fanctl"
        mpy.mkdir(parents=True)
        for name in ("__init__", *MODULES):  # bytecode for the unix port
            mpy_cross(ROOT / f"firmware/fanctl/{name}.py", mpy / f"{name}.mpy")
        for src in SOURCES:
            mpy_cross(src, folder / f"{src.stem}.armv6m.mpy", "-march=armv6m")
        broker = TestBroker(folder / "broker")
        try:
            as_py = measure(ROOT / "firmware", str(broker.port))
            as_mpy = measure(folder / "mpy", str(broker.port))
        finally:
            broker.close()
        size = sum((folder / f"{src.stem}.armv6m.mpy").stat().st_size for src in SOURCES)
    print(f"fanctl.mqtt on MicroPython's unix port ({broker.kind} on 127.0.0.1)")
    print(f"  source {sum(src.stat().st_size for src in SOURCES)} bytes "
          f"({', '.join(MODULES)}); .mpy for the RP2040 {size} bytes")
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


if __name__ == "__main__":
    main()
