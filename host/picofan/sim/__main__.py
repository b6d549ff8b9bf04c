"""`picofan sim` / `python -m picofan.sim`: a virtual Pico on a pseudo-terminal."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading

from fanctl import wifi
from fanctl.app import WIFI_FILE
from picofan import ports
from picofan.sim.chip_runner import micropython
from picofan.sim.control import console
from picofan.sim.pico import VirtualPico
from picofan.sim.serial_port import PathInUse, ours_or_free

SIM_SSID = "picofan-sim"  # the simulated access point takes any name and any password


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="picofan sim", description=__doc__)
    p.add_argument("--speed", type=float, default=1.0,
                   help="time factor: 1 real time, 50 fifty times faster, 0 as fast as possible")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed: the board's parts, ADC noise and unique id (default: "
                        "one drawn at start, so that each virtual Pico is a board of its own)")
    # At speed 0: how long a host that holds the port open gets to read, in real seconds,
    # before the board runs on (and a full USB buffer drops, as on the board). For rigs
    # that audit every line on a machine that may stall the host for longer.
    p.add_argument("--host-wait", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--link", default=None,
                   help="also make this path a symlink to the port (kept across unplugs; "
                        "default: sim-PID.tty in picofan's runtime folder)")
    p.add_argument("--control", default=None, help="control socket path")
    p.add_argument("--flash", default=None, help="folder standing in for the Pico's flash")
    p.add_argument("--script", default=None,
                   help="control commands to run first, separated by ';' (e.g. 'at 30 pinch')")
    p.add_argument("--unlisted", action="store_true",
                   help="do not register: other picofan tools (ports, log --all, monitor "
                        "--all, bridge --all) do not find it (a command's own --sim)")
    p.add_argument("--wifi", action="store_true",
                   help="Wi-Fi on: the board joins the simulated access point and publishes "
                        "to Home Assistant over MQTT by itself (with --broker; docs/wifi.md)")
    p.add_argument("--broker", default=None, metavar="mqtt://HOST[:PORT]",
                   help="the MQTT broker the board talks to, with --wifi")
    p.add_argument("--ready-json", action="store_true",
                   help="print one JSON line describing the device, then only serve "
                        "(no console): for programs that start the simulator")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.speed < 0:
        parser().error("--speed must be 0 or more")
    wifi_config = None
    if args.wifi != bool(args.broker):
        parser().error("--wifi and --broker mqtt://HOST[:PORT] go together")
    if args.wifi:
        try:
            wifi_config = wifi.check({"ssid": SIM_SSID, "password": "", "broker": args.broker})
        except wifi.BadWifi as e:
            parser().error(f"--broker: {e.msg}")
    if args.seed is None:
        # Two boards never share a unique id: several `picofan sim` are several boards.
        args.seed = random.SystemRandom().randrange(1 << 31)
    control = args.control or os.path.join(tempfile.gettempdir(),
                                           f"picofan-sim-{os.getpid()}.sock")
    try:
        micropython()
    except RuntimeError as e:
        print(f"picofan sim: {e}", file=sys.stderr)
        return 2
    try:
        # A stable path to register: the pty's own changes at every replug.
        ports.make_runtime_dir()  # where it registers, below
        link = args.link or str(ports.sim_link_path())
        ours_or_free(control, "control")
        pico = VirtualPico(speed=args.speed, seed=args.seed, link=link,
                           flash_dir=args.flash, host_wait_s=args.host_wait)
    except (PathInUse, OSError) as e:
        print(f"picofan sim: {e}", file=sys.stderr)
        return 2
    if wifi_config is not None:
        # What `picofan wifi` stores on a board: the firmware reads it at boot.
        wifi.save(str(pico.flash / WIFI_FILE), wifi_config)
    for cmd in filter(None, (c.strip() for c in (args.script or "").split(";"))):
        r = pico.reply(cmd)
        if not r["ok"]:
            print(f"picofan sim: bad --script command {cmd!r}: {r['error']}", file=sys.stderr)
            pico.close()  # its port and link go: nothing left behind
            return 2
    pico.serve_control(control)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: pico.stop())
    info = {**pico.describe(), "control": control}
    # Found by `picofan ports`, `log --all`, `monitor --all`, `bridge --all`.
    registration = None if args.unlisted else ports.register_sim(
        {"pid": os.getpid(), "port": link, "pty": info["pty"], "control": control,
         "uid": pico.uid, "seed": args.seed})
    if args.ready_json:
        print(json.dumps(info), flush=True)
        # Started by a program: go when it goes, even if it could not stop us (SIGKILL).
        parent = os.getppid()

        def watch_parent() -> None:
            while not pico.stopped.wait(0.5):
                if os.getppid() != parent:
                    pico.stop()

        threading.Thread(target=watch_parent, daemon=True).start()
    else:
        print(f"virtual Pico W on {info['pty']} (and {link})")
        print(f"control socket {control}; type help for commands, quit to stop", flush=True)
        threading.Thread(target=console, args=(pico.controls,), daemon=True).start()
    try:
        pico.run()
    except KeyboardInterrupt:
        pass
    finally:
        if registration:
            ports.unregister_sim(registration)
        pico.close()
        os.unlink(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
