"""`picofan ping`: the board answers, and how fast."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from picofan.cli.options import device_command
from picofan.cli.output import OK
from picofan.session import session


def add_command(sub: Any) -> None:
    c = device_command(sub, "ping", "check the board answers")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_ping)


def cmd_ping(args: argparse.Namespace) -> int:
    with session(args) as held:
        dev = held.device
        t0 = time.perf_counter()
        reply = dev.request("ping")
        ms = (time.perf_counter() - t0) * 1000
        if args.json:
            print(json.dumps({"port": dev.link.port, "device_ms": reply["ms"],
                              "round_trip_ms": round(ms, 1)}))
        else:
            print(f"pong from {dev.link.port}: device clock {reply['ms']} ms, "
                  f"round trip {ms:.1f} ms")
    return OK
