"""The picofan command for people at a shell and for scripts: bare `picofan` helps,
--json gives machine-readable answers, and completion works in a real bash."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import picofan_cli

from fanctl.settings import defaults

BIN = Path(picofan_cli.PICOFAN).parent


def test_bare_picofan_prints_help_not_a_usage_error() -> None:
    done = picofan_cli.run()
    assert done.returncode == 0, done.stderr
    assert "usage: picofan" in done.stdout and "monitor" in done.stdout
    assert done.stderr == ""


def test_json_answers_for_scripts() -> None:
    done = picofan_cli.run("ping", "--sim", "--json")
    assert done.returncode == 0, done.stderr
    pong = json.loads(done.stdout)
    assert pong["device_ms"] >= 0 and pong["round_trip_ms"] > 0 and pong["port"]

    done = picofan_cli.run("set", "--sim", "--json", "setpoint=28,5")
    assert done.returncode == 0, done.stderr
    ack = json.loads(done.stdout)  # all of stdout is the one JSON document
    assert ack["settings"]["setpoint"] == 28.5 and ack["saved"] is False
    assert set(ack["settings"]) == set(defaults())

    done = picofan_cli.run("get", "--sim", "--json")
    assert json.loads(done.stdout) == defaults()

    # No Pico on this machine: an empty list, and the same list --all marks as picos
    done = picofan_cli.run("ports", "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    done = picofan_cli.run("ports", "--all", "--json")
    listed = json.loads(done.stdout)
    assert isinstance(listed, list) and not any(p["pico"] for p in listed)


def complete_in_bash(line: str) -> list[str]:
    """What bash offers for `line` (TAB at its end), with picofan's completion loaded as
    the README says: the shell's own completion function, called as bash calls it."""
    script = r'''
eval "$(picofan completion bash)"
f=$(complete -p picofan | sed -E 's/.*-F ([^ ]+).*/\1/')
COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
$f picofan "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
'''
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{BIN}:/usr/bin:/bin", "LINE": line, "HOME": "/tmp"})
    assert done.returncode == 0, done.stderr
    return [w.strip() for w in done.stdout.splitlines() if w.strip()]


def test_bash_completes_commands_options_and_settings() -> None:
    assert complete_in_bash("picofan mon") == ["monitor"]
    assert complete_in_bash("picofan log --dur") == ["--duration"]
    assert complete_in_bash("picofan set setp") == ["setpoint="]
    # "=" breaks words in bash: after it, only the value is offered (and typed in)
    assert complete_in_bash("picofan set mode=") == ["auto", "on", "off"]


def test_zsh_and_fish_get_their_own_hook() -> None:
    zsh = picofan_cli.run("completion", "zsh").stdout
    assert "#compdef picofan" in zsh and "compdef" in zsh
    fish = picofan_cli.run("completion", "fish").stdout
    assert "complete --command picofan" in fish or "complete -c picofan" in fish
    bad = picofan_cli.run("completion", "tcsh")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
