"""`picofan bridge`: its options, and running it (picofan.bridge) until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import socket
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from picofan import ports, shutdown
from picofan.bridge import ha
from picofan.cli import completion
from picofan.cli.options import MAX_TIMEOUT_S, number, seconds, sim_count
from picofan.cli.output import BAD_INPUT, OK, fail

if TYPE_CHECKING:
    from picofan.sim.process import SimProcess

MAX_RATE = 100.0  # state messages per second per board


def add_command(sub: Any) -> None:
    p = sub.add_parser("bridge", help="boards <-> an MQTT broker, as Home Assistant devices",
                       description="Keep picofan boards in sync with an MQTT broker, as Home "
                       "Assistant devices (docs/home-assistant.md). Log in with "
                       "PICOFAN_MQTT_USERNAME and PICOFAN_MQTT_PASSWORD, or --credentials.")
    p.add_argument("--broker", default="mqtt://localhost", metavar="URL",
                   help="mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (default: mqtt://localhost)")
    which = p.add_mutually_exclusive_group()
    port = which.add_argument("--port", action="append", default=[], metavar="PORT",
                              help="a board's serial port; again for more boards (default: "
                              "the only Pico plugged in)")
    port.completer = completion.port_words  # argcomplete reads it
    which.add_argument("--all", action="store_true",
                       help="every Pico plugged in, now or later")
    p.add_argument("--sim", type=sim_count, default=0, metavar="N",
                   help="also start N virtual Picos")
    p.add_argument("--rate", type=number(0, MAX_RATE, "--rate", low_ok=False), default=1.0,
                   metavar="N", help="state messages per second per board, at most (a fan "
                   "change or a fault goes out at once; default 1)")
    p.add_argument("--bridge-id", default=None, metavar="ID",
                   help="this bridge's name on the broker (default: the host name); two "
                   "bridges with one id push each other off the broker")
    p.add_argument("--discovery-prefix", default=ha.DISCOVERY_PREFIX, metavar="PREFIX",
                   help="Home Assistant's discovery prefix (default: homeassistant)")
    p.add_argument("--discovery-jitter", type=number(0, 60, "--discovery-jitter", low_ok=True),
                   default=1.0, metavar="SECONDS",
                   help="when Home Assistant starts, publish again within this (default 1)")
    p.add_argument("--credentials", metavar="FILE",
                   help="the broker login: a file of two lines, the user name and the password")
    p.add_argument("--ca-file", metavar="FILE",
                   help="for mqtts://: the CA certificate that signed the broker's "
                   "(default: the system's)")
    p.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0, metavar="SECONDS",
                   help="a board's reply timeout, seconds")
    p.set_defaults(func=cmd_bridge)


def start_sims(count: int) -> list[SimProcess]:
    """`count` virtual Picos, started side by side, seeds 1…count (distinct boards; the
    same ones on every run)."""
    from picofan.sim.process import SimProcess

    with ThreadPoolExecutor(max_workers=min(count, 8)) as pool:
        futures = [pool.submit(SimProcess, seed=n + 1, listed=False) for n in range(count)]
    started: list[SimProcess] = []
    problem: BaseException | None = None
    for f in futures:
        try:
            started.append(f.result())
        except BaseException as e:
            problem = problem or e
    if problem is not None:
        for sim in started:
            sim.stop()
        from picofan.link import LinkLost

        raise LinkLost(f"a virtual Pico did not start: {problem}") from None
    return started


@contextlib.contextmanager
def logging_to_stderr() -> Iterator[None]:
    logger = logging.getLogger("picofan.bridge")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("picofan bridge: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)


def cmd_bridge(args: argparse.Namespace) -> int:
    from picofan.bridge.bridge import Bridge, Options
    from picofan.bridge.broker import BrokerError, credentials, parse_url, tls_context

    try:
        broker = parse_url(args.broker)
        login, warning = credentials(args.credentials)
        options = Options(broker=broker, login=login, tls=tls_context(broker, args.ca_file),
                          bridge_id=ha.clean_id(args.bridge_id or socket.gethostname()),
                          prefix=args.discovery_prefix, rate=args.rate,
                          jitter=args.discovery_jitter, reply_timeout=args.timeout)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", options.prefix):
            raise BrokerError(f"--discovery-prefix {options.prefix!r}: one topic level, "
                              "letters, digits, - and _")
    except BrokerError as e:
        return fail(BAD_INPUT, str(e))
    fixed = list(args.port)
    if not fixed and not args.all and not args.sim:
        fixed = [ports.choose()]  # PortError: no Pico, or several (exit 3)
    sims: list[SimProcess] = []
    with logging_to_stderr():
        try:
            if warning:
                logging.getLogger("picofan.bridge").warning(warning)
            sims = start_sims(args.sim) if args.sim else []
            for n, sim in enumerate(sims, 1):
                print(f"picofan: virtual Pico {n} on {sim.info['pty']} (control socket "
                      f"{sim.control_path})", file=sys.stderr, flush=True)
            bridge = Bridge(options, fixed + [s.port for s in sims], scan_all=args.all)
            bridge.run(threading.Event())  # until a signal (KeyboardInterrupt)
        except KeyboardInterrupt:
            pass
        finally:
            with shutdown.shielded():
                for sim in sims:
                    sim.stop()
    return OK
