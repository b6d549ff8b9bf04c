"""`picofan ports`: the boards there are. Both listings, with or without --all, have
one header and one column order (tab-separated, for people and for `cut`):

    PORT  KIND  USB ID  UID  NAME  DESCRIPTION

`ports` asks each board who it is (NAME: "-" unnamed, "?" no answer); `ports --all`
lists every serial port and asks nothing (NAME "?"; UID: the USB serial number, which
is a Pico's unique id)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from picofan import ports
from picofan.cli.options import MAX_TIMEOUT_S, seconds
from picofan.cli.output import NO_LINK, OK

if TYPE_CHECKING:  # the client is imported only when boards are asked
    from picofan.identify import Identity

HEADER = ("PORT", "KIND", "USB ID", "UID", "NAME", "DESCRIPTION")


def add_command(sub: Any) -> None:
    c = sub.add_parser(
        "ports", help="list the boards there are (real and virtual), with name and unique id")
    c.add_argument("--all", action="store_true",
                   help="every serial port, with its USB ids (vendor:product); asks nothing")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.add_argument("--timeout", type=seconds(MAX_TIMEOUT_S), default=2.0,
                   help="how long each board gets to say who it is, seconds")
    c.set_defaults(func=cmd_ports)


def kind(c: ports.Candidate) -> str:
    return "virtual Pico" if c.is_virtual else "Pico (MicroPython)" if c.is_pico else "-"


def table(rows: list[tuple[str, ...]]) -> str:
    return "\n".join("\t".join(row) for row in [HEADER, *rows])


def cmd_ports(args: argparse.Namespace) -> int:
    from picofan.identify import identify

    if args.all:  # every serial port, as `mpremote devs` lists them, and virtual Picos
        listed = ports.all_ports() + ports.virtual_ports()
        if args.json:
            print(json.dumps([port_json(c) for c in listed]))
            return OK
        print(table([(c.device, kind(c), c.usb_id, c.serial_number or "-", "?",
                      c.description) for c in listed]))
        return OK
    # Each board asked who it is (hello), all at once: one timeout at most.
    found = identify(ports.board_ports(), args.timeout)
    clashes = first_holders(found)
    if args.json:  # for scripts: a list, empty when there is none (exit 0 either way)
        print(json.dumps([{**port_json(i.port), "name": i.name, "uid": i.uid,
                           "state": i.state, "detail": describe(i, clashes),
                           "clash_with": clashes.get(i.port.device)} for i in found]))
        return OK
    if not found:
        print("no Pico found (no serial port with MicroPython's USB id 2e8a:0005, and no "
              "virtual Pico running). Plug it in, or start one: `picofan sim`; "
              "`picofan ports --all` lists every serial port.")
        return NO_LINK
    # what it is, or why it did not say, in DESCRIPTION
    print(table([(i.port.device, kind(i.port), i.port.usb_id, i.uid or "?",
                  "?" if i.name is None else i.name or "-", describe(i, clashes))
                 for i in found]))
    return OK


def first_holders(found: list[Identity]) -> dict[str, str]:
    """Port -> the port listed before it that claims the same unique id (a cloned
    flash, or virtual Picos given one --seed): the later one is flagged."""
    first: dict[str, str] = {}
    clashes: dict[str, str] = {}
    for i in found:
        if i.uid:
            holder = first.setdefault(i.uid, i.port.device)
            if holder != i.port.device:
                clashes[i.port.device] = holder
    return clashes


def describe(i: Identity, clashes: dict[str, str]) -> str:
    from picofan.identify import clash

    holder = clashes.get(i.port.device)
    if holder is None or not i.uid:
        return i.detail
    return clash(i.port.device, i.uid, holder, "a second board")


def port_json(c: ports.Candidate) -> dict[str, Any]:
    return {"port": c.device, "usb_id": c.usb_id, "pico": c.is_pico, "virtual": c.is_virtual,
            "description": c.description, "serial": c.serial_number}
