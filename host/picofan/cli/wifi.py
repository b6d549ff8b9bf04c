"""`picofan wifi`: the board's Wi-Fi and MQTT broker, stored on the board in wifi.json.

    picofan wifi --ssid S --broker mqtt://HOST[:PORT]   the password from a prompt
    picofan wifi ... --password-file F                  ...or from the file's first line
    picofan wifi ... --open                             a network without a password
    picofan wifi --off                                  back to USB only
    picofan wifi                                        what the board has (never a password)

The password is read here, checked by the firmware's own rules (fanctl.wifi: WPA2's)
and sent once, in the wifi command over USB; nothing prints or logs it, and the board
never sends it back. The board uses a new config at once (and reads wifi.json at every
start)."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from fanctl.protocol import BadCommand
from picofan.cli.options import device_command
from picofan.cli.output import BAD_INPUT, OK, fail
from picofan.protocol import encode_command
from picofan.session import session

# The firmware's words for its fields -> this command's options, in its refusals (in
# this order: "broker_password must" holds "password must").
OPTION_WORDS = (
    ("broker_password must", "the broker password (--broker-password-file) must"),
    ("password must", "the Wi-Fi password must"),
    ("open: true", "--open"),
    ("ssid must", "--ssid must"),
    ("broker port must", "--broker's port must"),
    ("broker URL may", "--broker may"),
    ("use the user and broker_password fields", "use --user and --broker-password-file"),
    ("broker must", "--broker must"),
    ("broker needs", "--broker needs"),
    ("broker host may", "--broker's host may"),
    ("user must", "--user must"),
)


class WifiInputError(ValueError):
    """Bad input on the command line: one line, nothing sent."""


def add_command(sub: Any) -> None:
    c = device_command(sub, "wifi", "the board's Wi-Fi and MQTT broker (stored on the board)")
    c.add_argument("--ssid", help="the Wi-Fi network's name")
    c.add_argument("--broker", metavar="mqtt://HOST[:PORT]", help="the MQTT broker")
    c.add_argument("--password-file", metavar="FILE",
                   help="read the Wi-Fi password from FILE's first line (default: a prompt)")
    c.add_argument("--user", help="the broker's user name, if it wants one")
    c.add_argument("--broker-password-file", metavar="FILE",
                   help="the broker's password, from FILE's first line (with --user)")
    c.add_argument("--open", action="store_true",
                   help="a network without a password (nothing is asked)")
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
               if getattr(args, n) is not None] + (["open"] if args.open else [])
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
    if args.open and args.password_file:
        raise WifiInputError("--open is a network without a password: not with "
                             "--password-file")
    fields: dict[str, Any] = {"ssid": args.ssid, "broker": args.broker, "open": True}
    if args.user is not None:
        fields["user"] = args.user
    _check(fields)  # the name and the broker, before asking for a password
    if not args.open:
        del fields["open"]
        fields["password"] = (_first_line(args.password_file, "password") if args.password_file
                              else getpass.getpass(f"Wi-Fi password for {args.ssid}: "))
    if args.broker_password_file:
        fields["broker_password"] = _first_line(args.broker_password_file, "broker password")
    _check(fields)
    return fields


def _check(fields: dict[str, Any]) -> None:
    try:
        encode_command("wifi", 0, **fields)
    except BadCommand as e:  # the firmware's own words, which never hold a value
        raise WifiInputError(in_options(e.msg)) from None


def in_options(text: str) -> str:
    """The firmware's refusal, naming this command's options instead of its fields."""
    for field_words, option_words in OPTION_WORDS:
        text = text.replace(field_words, option_words)
    return text


def describe(shown: dict[str, Any] | None) -> str:
    if shown is None:
        return "no Wi-Fi config on the board: USB only"
    password = "a password set" if shown["password_set"] else "no password: an open network"
    return f"Wi-Fi {shown['ssid']} ({password}), broker {shown['broker']}"


def cmd_wifi(args: argparse.Namespace) -> int:
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
        print("Wi-Fi config removed: the board has left the network and is on USB only")
    elif fields:
        print(f"stored on the board: {describe(shown)}; in use now, and at every start")
    else:
        print(describe(shown))
    return OK
