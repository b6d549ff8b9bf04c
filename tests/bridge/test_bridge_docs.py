"""docs/home-assistant.md and the systemd unit say what the code does."""

from __future__ import annotations

import shlex
from pathlib import Path

from picofan.bridge import ha
from picofan.cli.command import parser

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs/home-assistant.md").read_text()


def test_the_service_runs_a_command_picofan_takes() -> None:
    unit = (ROOT / "docs/picofan-bridge.service").read_text()
    (line,) = [x for x in unit.splitlines() if x.startswith("ExecStart=")]
    argv = shlex.split(line.removeprefix("ExecStart=").replace("%d", "/run/credentials/x"))
    assert argv[0].endswith("/picofan")
    args = parser().parse_args(argv[1:])
    assert args.all and args.credentials == "/run/credentials/x/mqtt-login"
    assert args.broker == "mqtt://localhost"


def test_the_topic_table_names_the_topics_the_bridge_uses() -> None:
    t = ha.Topics("<id>")
    for topic in (t.config(), t.state, t.availability, t.result, t.set_all,
                  t.set_one("<setting>"), t.save, ha.bridge_status_topic("<bridge>"),
                  ha.bridge_boards_topic("<bridge>"), "homeassistant/status",
                  *(t.fan(name) for name in ha.FAN_COMMANDS)):
        assert f"| `{topic}` |" in DOC, topic


def test_the_options_table_lists_every_option() -> None:
    sub = next(a for a in parser()._subparsers._group_actions
               if a.dest == "command").choices["bridge"]
    options = {o for a in sub._actions for o in a.option_strings if o.startswith("--")}
    assert options - {"--help"} == {o for o in options if f"| `{o}" in DOC}


def test_the_docs_name_the_home_assistant_the_discovery_needs() -> None:
    # Device-based discovery: an older Home Assistant shows no device, only a warning.
    needs = f"Home Assistant **{ha.HA_MIN_VERSION} or newer**"
    for doc in ("README.md", "docs/home-assistant.md", "docs/wifi.md"):
        assert needs in (ROOT / doc).read_text(), doc
