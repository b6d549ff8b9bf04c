"""`picofan completion`: shell completion for bash, zsh and fish (argcomplete):
subcommands and options, setting names and their words for `picofan set`, and the
Picos plugged in for --port.

Turn it on with one line in the shell's start-up file:
    bash: eval "$(picofan completion bash)"      (~/.bashrc)
    zsh:  eval "$(picofan completion zsh)"       (~/.zshrc)
    fish: picofan completion fish | source       (~/.config/fish/config.fish)"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fanctl import settings
from picofan import ports
from picofan.cli.output import OK

SHELLS = ("bash", "zsh", "fish")


def settings_words(prefix: str, **_: Any) -> list[str]:
    """NAME= for every setting, and NAME=WORD for the settings that take words."""
    words = []
    for row in settings.SPEC:
        if len(row) == 3 and isinstance(row[2], tuple):
            words += [f"{row[0]}={choice}" for choice in row[2]]
        else:
            words.append(f"{row[0]}=")
    return [w for w in words if w.startswith(prefix)]


def port_words(prefix: str, **_: Any) -> list[str]:
    return [c.device for c in ports.board_ports() if c.device.startswith(prefix)]


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell and exit, when the shell is asking (its hook sets _ARGCOMPLETE)."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)


def shell_code(shell: str) -> str:
    from argcomplete.shell_integration import shellcode

    return str(shellcode(["picofan"], shell=shell))


def add_command(sub: Any) -> None:
    c = sub.add_parser("completion", help="shell completion: eval \"$(picofan completion bash)\"")
    c.add_argument("shell", choices=SHELLS)
    c.set_defaults(func=cmd_completion)


def cmd_completion(args: argparse.Namespace) -> int:
    print(shell_code(args.shell))
    return OK
