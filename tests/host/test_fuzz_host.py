"""Property-based fuzzing of the host's side of the wire: the command encoder
refuses what the device would refuse (before anything is sent), and every device
line the reader thread dispatches becomes exactly one event, never an exception;
whatever the parser accepts as telemetry, the CSV logger can write."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fanctl import protocol as wire
from fanctl import settings
from picofan.client import Device, Noise, Received
from picofan.logger import CsvLog
from picofan.protocol import Message, encode_command, parse_line
from picofan.spec import wire as schema

values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)


@given(st.sampled_from(list(settings.defaults())), values)
def test_encoder_refuses_exactly_what_the_device_refuses(name: str, value: Any) -> None:
    try:
        line = encode_command("set", 1, **{name: value})
    except ValueError:
        # the device would refuse it too
        try:
            settings.merge(settings.defaults(), {name: value})
        except settings.Invalid:
            return
        raise AssertionError("host refused a value the device accepts") from None
    cmd, cmd_id, args = wire.decode_command(line.rstrip(b"\r\n"))
    assert (cmd, cmd_id) == ("set", 1) and set(args) == {name}


@given(st.lists(st.binary(max_size=200), max_size=8))
def test_reader_turns_every_line_into_one_event(lines: list[bytes]) -> None:
    dev = Device("/dev/null-not-opened")
    for raw in lines:
        dev._dispatch(raw)
    events = dev.poll_events()
    non_blank = [r for r in lines if r.decode("utf-8", "replace").strip()]
    assert len(events) == len(non_blank)
    assert all(isinstance(e, Noise | Received) for e in events)


TELE_FIELDS = [n for n, _ in schema.MESSAGES["tele"]]


@given(st.fixed_dictionaries({n: values for n in TELE_FIELDS}))
def test_whatever_parses_as_telemetry_the_logger_writes(fields: dict[str, Any]) -> None:
    try:
        raw = json.dumps({"type": "tele", **fields}).encode()
    except ValueError:
        return
    parsed = parse_line(raw)
    if not isinstance(parsed, Message):
        return
    with tempfile.TemporaryDirectory() as d:
        log = CsvLog(Path(d) / "t.csv")
        log.telemetry(datetime.now().astimezone(), parsed.data)
        log.close()
        assert len((Path(d) / "t.csv").read_text().splitlines()) == 2
