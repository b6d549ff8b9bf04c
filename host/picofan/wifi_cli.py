"""`picofan wifi`: the board's Wi-Fi and MQTT broker, stored on the board in wifi.json.

    picofan wifi --ssid S --broker mqtt://HOST[:PORT]   the password from a prompt
    picofan wifi ... --password-file F                  ...or from the file's first line
    picofan wifi --off                                  back to USB only
    picofan wifi                                        what the board has (never a password)

The password is read here, checked by the firmware's own rules (fanctl.wifi) and sent
once, in the wifi command over USB; nothing prints or logs it, and the board never
sends it back. The board reads wifi.json when it starts: a change takes effect at
the next start."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from fanctl import wifi as board_wifi
from fanctl.protocol import BadCommand
from picofan.protocol import encode_command
from picofan.session import session

OK, BAD_INPUT = 0, 2
NEXT_START = "it takes effect at the next start (reset or power cycle)"


class WifiInputError(ValueError):
    """Bad input on the command line: one line, nothing sent."""


def add_command(device_command: Any) -> None:
    c = device_command("wifi", "the board's Wi-Fi and MQTT broker (stored on the board)")
    c.add_argument("--ssid", help="the Wi-Fi network's name")
    c.add_argument("--broker", metavar="mqtt://HOST[:PORT]", help="the MQTT broker")
    c.add_argument("--password-file", metavar="FILE",
                   help="read the Wi-Fi password from FILE's first line (default: a prompt)")
    c.add_argument("--user", help="the broker's user name, if it wants one")
    c.add_argument("--broker-password-file", metavar="FILE",
                   help="the broker's password, from FILE's first line (with --user)")
    c.add_argument("--off", action="store_true",
                   help="remove the Wi-Fi config: the board goes back to USB only")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=cmd_wifi)


def _first_line(path: str, what: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not UTF-8 text"
        raise WifiInputError(f"cannot read the {what} file {path}: {reason}") from None
    return text.splitlines()[0] if text else ""


def fields_from(args: argparse.Namespace) -> dict[str, Any]:
    """The wifi command's fields the options ask for ({} to show), checked; the
    password is read (file or prompt) only once everything else is known good."""
    setting = [n for n in ("ssid", "broker", "password_file", "user", "broker_password_file")
               if getattr(args, n) is not None]
    if args.off:
        if setting:
            raise WifiInputError("--off removes the Wi-Fi config: not with "
                                 + ", ".join("--" + n.replace("_", "-") for n in setting))
        return {"off": True}
    if not setting:
        return {}
    if args.ssid is None or args.broker is None:
        raise WifiInputError("give both --ssid and --broker (mqtt://HOST[:PORT])")
    if args.broker_password_file and args.user is None:
        raise WifiInputError("--broker-password-file goes with --user")
    fields: dict[str, Any] = {"ssid": args.ssid, "password": "x" * board_wifi.MIN_PASSWORD,
                              "broker": args.broker}
    if args.user is not None:
        fields["user"] = args.user
    _check(fields)  # the name and the broker, before asking for a password
    if args.password_file:
        fields["password"] = _first_line(args.password_file, "password")
    else:
        fields["password"] = getpass.getpass(
            f"Wi-Fi password for {args.ssid} (Enter alone: an open network): ")
    if args.broker_password_file:
        fields["broker_password"] = _first_line(args.broker_password_file, "broker password")
    _check(fields)
    return fields


def _check(fields: dict[str, Any]) -> None:
    try:
        encode_command("wifi", 0, **fields)
    except BadCommand as e:  # the firmware's own words, which never hold a value
        raise WifiInputError(e.msg) from None


def describe(shown: dict[str, Any] | None) -> str:
    if shown is None:
        return "no Wi-Fi config on the board: USB only"
    password = "a password set" if shown["password_set"] else "no password (open network)"
    return f"Wi-Fi {shown['ssid']} ({password}), broker {shown['broker']}"


def cmd_wifi(args: argparse.Namespace) -> int:
    from picofan.cli import fail

    try:
        fields = fields_from(args)
    except WifiInputError as e:
        return fail(BAD_INPUT, f"not sent: {e}")
    except EOFError:  # Ctrl-D at the prompt (Ctrl-C stops, as everywhere)
        return fail(BAD_INPUT, "not sent: no password given")
    with session(args) as held:
        reply = held.device.request("wifi", **fields)
    shown = reply["wifi"]
    if args.json:
        print(json.dumps({"wifi": shown}))
    elif fields.get("off"):
        print(f"Wi-Fi config removed; the board is USB only once it restarts ({NEXT_START})")
    elif fields:
        print(f"stored on the board: {describe(shown)}; {NEXT_START}")
    else:
        print(describe(shown))
    return OK
