"""Lines per second the host link + parser sustain, through a real pty.

A writer thread pours telemetry lines into the master side as fast as the
kernel takes them; the host reads with SerialLink (pyserial) and parses and
validates each line with picofan.protocol. USB full speed carries at most about
1 MB/s: ~6 000 of these 160-byte lines a second.

    .venv/bin/python benchmarks/link_throughput.py [LINES]
"""

from __future__ import annotations

import json
import os
import sys
import termios
import threading
import time
import tty

from fanctl import protocol as wire
from fanctl.settings import defaults
from picofan.link import SerialLink
from picofan.protocol import Message, parse_line


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    line = json.dumps(wire.tele("0000b007", 123, 123456, 25.123, 32768, 10000.5, True,
                                defaults(), None))
    data = (line + "\r\n").encode() * 1000
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    link = SerialLink(os.ttyname(slave))
    link.open()

    def pour() -> None:
        for _ in range(n // 1000):
            view = memoryview(data)
            while view:
                view = view[os.write(master, view):]

    writer = threading.Thread(target=pour, daemon=True)
    t0 = time.perf_counter()
    writer.start()
    got = parsed = 0
    raw_t = parse_t = 0.0
    while got < n:
        a = time.perf_counter()
        lines = link.read_lines()
        b = time.perf_counter()
        for raw in lines:
            parsed += isinstance(parse_line(raw), Message)
        raw_t += b - a
        parse_t += time.perf_counter() - b
        got += len(lines)
    dt = time.perf_counter() - t0
    link.close()
    print(f"link + parser over a pty: {n} lines of {len(line) + 2} bytes in {dt:.2f} s")
    print(f"  {n / dt:10.0f} lines/s end to end ({n * (len(line) + 2) / dt / 1e6:.1f} MB/s)")
    print(f"  {n / parse_t:10.0f} lines/s parse + validate alone")
    print(f"  valid messages: {parsed}/{n}")
    print(f"  goal >= 100000 lines/s: {'met' if n / dt >= 100_000 else 'NOT met'}; "
          f"USB full speed tops out near {1_000_000 // (len(line) + 2)} lines/s")


if __name__ == "__main__":
    main()
