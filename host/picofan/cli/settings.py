"""`picofan get | set`: the board's settings, shown grouped as docs/protocol.md groups
them with their units from the settings table (fanctl.settings.SPEC), and changed
from NAME=VALUE words read as the monitor reads its boxes (picofan.values)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fanctl import settings as board_settings
from picofan.cli import completion
from picofan.cli.options import device_command
from picofan.cli.output import BAD_INPUT, OK, fail
from picofan.session import session
from picofan.values import parse_setting

# docs/protocol.md's groups of settings: each is a title and its first setting, in the
# settings table's order (a group runs to the next one's first setting).
GROUPS = (("What to hold", "setpoint"), ("Switching", "min_on_ms"),
          ("The fan output", "output"), ("Auto mode", "control"),
          ("The fan's limits", "min_duty"), ("The tach", "tach"),
          ("Timing", "interval_ms"), ("The thermistor", "divider"),
          ("The board", "watchdog_ms"))


def add_commands(sub: Any) -> None:
    c = device_command(sub, "get", "print the board's settings")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_get)
    c = device_command(sub, "set", "change settings, e.g. setpoint=28 hysteresis=1.5 mode=auto")
    c.add_argument("assignments", nargs="+", metavar="NAME=VALUE"
                   ).completer = completion.settings_words  # type: ignore[attr-defined]
    c.add_argument("--save", action="store_true", help="also store them on the board")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_set)


def settings_lines(values: dict[str, Any]) -> list[str]:
    """The board's settings, in groups under a title, each with its unit."""
    titles = {first: title for title, first in GROUPS}
    lines = []
    for row in board_settings.SPEC:
        if row[0] in titles:
            lines.append(f"{titles[row[0]]}:")
        unit = f" {row[4]}" if len(row) > 3 and row[4] else ""  # numbers have units
        lines.append(f"  {row[0]} = {values.get(row[0], '?')}{unit}")
    # A board newer than this picofan may have more: shown, not dropped.
    known = {row[0] for row in board_settings.SPEC}
    return lines + [f"  {k} = {v}" for k, v in values.items() if k not in known]


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """setpoint=28,5 mode=auto -> {"setpoint": 28.5, "mode": "auto"}, read as the
    monitor reads its boxes (picofan.values)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq or not name:
            raise ValueError(f"{pair!r}: write NAME=VALUE, e.g. setpoint=28")
        out[name] = parse_setting(name, text)
    return out


def show_settings(s: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in s.items())


def cmd_get(args: argparse.Namespace) -> int:
    with session(args) as held:
        dev = held.device
        reply = dev.request("get")
        if args.json:
            print(json.dumps(reply["settings"]))
        else:
            print("\n".join(settings_lines(reply["settings"])))
            print(f"(saved on the board: {'yes' if reply['saved'] else 'no'})")
    return OK


def cmd_set(args: argparse.Namespace) -> int:
    try:
        changes = parse_assignments(args.assignments)
        from picofan.protocol import encode_command

        encode_command("set", 0, **changes)  # the device's own checks, before sending
    except ValueError as e:  # a device refusal (BadCommand: its .msg is str()) or a typo
        return fail(BAD_INPUT, f"not sent: {e}")
    with session(args) as held:
        dev = held.device
        reply = dev.request("set", **changes)
        if not args.json:
            print("ack: " + show_settings({k: reply["settings"][k] for k in changes}))
        if args.save:
            reply = dev.request("save")
            if not args.json:
                print("saved on the board")
        elif not reply["saved"] and not args.json:
            print("(not saved on the board: add --save to keep it across power cycles)")
        if args.json:  # the board's own word on every setting, and whether it is stored
            print(json.dumps({"settings": reply["settings"], "saved": reply["saved"]}))
    return OK
