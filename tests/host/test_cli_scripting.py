"""The picofan command for people at a shell and for scripts: bare `picofan` helps,
--json gives machine-readable answers, and completion works in a real bash."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import picofan_cli
import pytest
from picofan_cli import SimCommand

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


def with_reader_gone(picofan_args: str, folder: Path) -> tuple[int, str]:
    """`picofan ARGS | head -c 200` in a real shell, at the moment that matters: the reader
    has taken what it wanted and gone before picofan writes (head closes its end of the
    pipe on exit). -> picofan's exit status and its stderr."""
    script = r'''
mkfifo "$D/gone"
{ printf '%200s' ''; read -r _ < "$D/gone"; picofan $ARGS 2> "$D/err"; echo $? > "$D/status"; } |
{ head -c 200 > /dev/null; exec 0<&-; echo > "$D/gone"; }
'''
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                          env={"PATH": f"{BIN}:/usr/bin:/bin", "D": str(folder),
                               "ARGS": picofan_args, "HOME": str(folder)})
    assert done.returncode == 0, done.stderr
    return int((folder / "status").read_text()), (folder / "err").read_text()


@pytest.mark.parametrize("args", [
    "get --json --port {port}", "get --port {port}", "ping --json --port {port}",
    "set --json --port {port} setpoint=28", "wifi --port {port}", "completion bash",
    "ports --all", "--help", "get --help"])
def test_a_reader_that_has_gone_is_no_traceback(tmp_path: Path, args: str) -> None:
    with SimCommand(tmp_path) as sim:
        status, err = with_reader_gone(args.format(port=sim.port), tmp_path)
    assert err == ""  # no traceback, no "Exception ignored"
    assert status == 128 + signal.SIGPIPE  # as a program stopped by SIGPIPE (git, yes)


def json_error(done: subprocess.CompletedProcess[str], code: str, says: str) -> None:
    """With --json, a failure is one JSON object on stdout (and the line on stderr)."""
    answer = json.loads(done.stdout)
    assert answer == {"error": {"exit": done.returncode, "code": code,
                                "message": answer["error"]["message"]}}, answer
    assert says in answer["error"]["message"]
    assert done.stderr.startswith("picofan: ") and done.stderr.count("\n") == 1


def test_json_errors_are_json_for_scripts(tmp_path: Path) -> None:
    done = picofan_cli.run("get", "--json", "--port", str(tmp_path / "ttyNONE"))
    assert done.returncode == 3
    json_error(done, "no_link", "cannot open")
    done = picofan_cli.run("set", "--json", "--port", str(tmp_path / "ttyNONE"), "setpoint=999")
    assert done.returncode == 2
    json_error(done, "bad_input", "setpoint must be between")
    done = picofan_cli.run("ping", "--json", "--timeout", "0")
    assert done.returncode == 2
    json_error(done, "bad_input", "not a number of seconds")
    done = picofan_cli.run("wifi", "--json", "--port", str(tmp_path / "ttyNONE"), "--ssid", "g")
    assert done.returncode == 2
    json_error(done, "bad_input", "give both --ssid and --broker")
    done = picofan_cli.run("ports", "--json", "--timeout", "0")
    assert done.returncode == 2
    json_error(done, "bad_input", "not a number of seconds")
    with SimCommand(tmp_path) as sim:
        # The board's own refusal: its error code (set checks first; this one passes the
        # host's checks and is the board's to refuse: a band reaching past t_max).
        done = picofan_cli.run("set", "--json", "--port", sim.port, "setpoint=124.5")
        assert done.returncode == 1
        json_error(done, "range", "the device refused")


def test_every_json_option_says_what_it_does() -> None:
    for command in ("ports", "ping", "get", "set", "wifi"):
        helped = picofan_cli.run(command, "--help").stdout
        (line,) = [row for row in helped.splitlines() if row.strip().startswith("--json")]
        assert "machine-readable output" in line, (command, helped)
