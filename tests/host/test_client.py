"""The host link against the virtual Pico and against a device played by the
test, through real pseudo-terminals."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scripted_device import ScriptedDevice

from fanctl import protocol as wire
from fanctl.protocol import SEQ_MASK
from fanctl.settings import defaults
from picofan.client import (
    Connected,
    Continuity,
    Device,
    DeviceError,
    Disconnected,
    Event,
    LinesLost,
    Noise,
    Received,
    ReplyTimeout,
)
from picofan.link import SerialLink
from picofan.protocol import MAX_LINE, TOO_LONG, Message, parse_line
from picofan.sim.process import SimProcess


def wait_event(dev: Device, match: Callable[[Event], bool], timeout: float = 20) -> Event:
    deadline = time.monotonic() + timeout
    for event in dev.events(timeout=timeout):
        if match(event):
            return event
        if time.monotonic() > deadline:
            break
    raise AssertionError("event not seen")


def is_tele(e: Event) -> bool:
    return isinstance(e, Received) and e.message.type == "tele"


def test_request_reply_and_hello_on_connect(sim: SimProcess) -> None:
    with Device(sim.port) as dev:
        assert isinstance(next(dev.events()), Connected)
        wait_event(dev, lambda e: isinstance(e, Received) and e.message.type == "hello")
        assert dev.hello and dev.hello["fw"]
        ack = dev.request("set", setpoint=27.0)
        assert ack["settings"]["setpoint"] == 27.0
        tele = wait_event(dev, is_tele)
        assert isinstance(tele, Received)


def test_device_error_reply_raises_with_its_message(sim: SimProcess) -> None:
    with Device(sim.port) as dev, pytest.raises(DeviceError) as err:
        dev.request("set", setpoint=124.5)  # fine alone; the band would cross t_max
    assert "sensor range" in str(err.value) and err.value.reply["code"] == "range"


def test_invalid_command_refused_before_sending(sim: SimProcess) -> None:
    with Device(sim.port) as dev, pytest.raises(ValueError):
        dev.request("set", hysteresis=-1)


def test_reply_timeout_is_a_clear_error(sim: SimProcess) -> None:
    with Device(sim.port, reply_timeout=0.5) as dev:
        wait_event(dev, is_tele)
        dev.link.write(b"\x03")  # Ctrl-C: the firmware stops, the board sits at the REPL
        wait_event(dev, lambda e: isinstance(e, Received) and e.message.type == "log")
        with pytest.raises(ReplyTimeout, match=r"no reply to .ping. within 0\.5 s"):
            dev.request("ping")


def test_reconnects_after_unplug_and_reports_the_gap(sim: SimProcess) -> None:
    with Device(sim.port) as dev:
        wait_event(dev, is_tele)
        sim.control("unplug 1")
        lost = wait_event(dev, lambda e: isinstance(e, Disconnected))
        assert isinstance(lost, Disconnected) and lost.port == sim.port
        back = wait_event(dev, lambda e: isinstance(e, Connected))
        assert isinstance(back, Connected) and back.gap_s is not None and back.gap_s > 0
        hello = wait_event(dev, lambda e: isinstance(e, Received) and e.message.type == "hello")
        assert isinstance(hello, Received)
        assert dev.request("ping")["type"] == "ack"


def test_junk_half_lines_and_reboot_mid_stream() -> None:
    device = ScriptedDevice()
    tele = json.dumps(wire.tele("0000b007", 0, 1000, 25.0, 32768, 10000.0, False, defaults(), None))
    hello = json.dumps(wire.hello("0.1.0", "Pico", "e6614103e7452d2f", "0000b007", "power",
                                  defaults(), True, None))
    try:
        with Device(device.path) as dev:
            device.send(b"MicroPython v1.27.0; Raspberry Pi Pico W\r\n>>> \r\n")
            device.send(b"\xff\xfe\x00 binary junk\r\n")
            device.send(tele[:20].encode())  # half a line...
            device.send(tele[20:].encode() + b"\r\n")  # ...and the rest
            device.send(tele[:30].encode() + b"\r\n")  # a line cut short by a reboot
            device.send(hello.encode() + b"\r\n")
            seen = []
            for event in dev.events(timeout=2):
                seen.append(event)
                if isinstance(event, Received) and event.message.type == "hello":
                    break
            noise = [e.line.text for e in seen if isinstance(e, Noise)]
            assert any("MicroPython" in t for t in noise)
            assert any("binary junk" in t for t in noise)
            assert sum(1 for e in seen if is_tele(e)) == 1  # the whole one, once
            assert any(t.startswith(tele[:30]) for t in noise)  # the cut one, as text
            assert dev.hello is not None and dev.hello["fw"] == "0.1.0"
    finally:
        device.close()


@settings(max_examples=30)
@given(st.lists(st.sampled_from([0, 1, 200, MAX_LINE - 1, MAX_LINE, MAX_LINE + 1,
                                 MAX_LINE + 2, 3 * MAX_LINE]), min_size=1, max_size=6))
def test_link_holds_at_most_max_line_and_cuts_each_long_line_once(lengths: list[int]) -> None:
    device = ScriptedDevice()
    link = SerialLink(device.path)
    link.open()
    stream = b"".join(b"x" * n + b"\r\n" for n in lengths) + b"END\r\n"
    sender = threading.Thread(target=device.send, args=(stream,))
    sender.start()
    got: list[bytes] = []
    try:
        while b"END\r" not in got:
            got += link.read_lines()
            assert len(link._partial) <= MAX_LINE + 2  # a line, its \r, one byte more
    finally:
        sender.join()
        link.close()
        device.close()
    got.remove(b"END\r")
    # every line once, whole; a long one cut just past MAX_LINE, and called too long
    assert len(got) == len(lengths)
    for line, n in zip(got, lengths, strict=True):
        body = line.rstrip(b"\r")
        assert body == b"x" * n if n <= MAX_LINE else MAX_LINE < len(body) <= MAX_LINE + 2
    too_long = [getattr(parse_line(line), "reason", None) == TOO_LONG for line in got]
    assert too_long == [n > MAX_LINE for n in lengths]


def test_seq_wraps_at_2_30_without_a_loss_and_counts_across_it() -> None:
    def tele(seq: int) -> Message:
        return Message("tele", wire.tele("0000b007", seq, 0, 25.0, 32768, 10000.0, False,
                                         defaults(), None))

    track = Continuity()
    assert track.see(tele(SEQ_MASK - 1)) == []  # the first line seen: nothing lost before
    assert track.see(tele(SEQ_MASK)) == []
    assert track.see(tele(0)) == []  # the wrap
    lost = track.see(tele(3))
    assert [(type(e), e.count) for e in lost] == [(LinesLost, 2)]  # type: ignore[attr-defined]
    track = Continuity()
    track.see(tele(SEQ_MASK - 1))
    assert [e.count for e in track.see(tele(1))] == [2]  # type: ignore[attr-defined]


def test_closing_the_device_ends_a_request_waiting_for_its_reply() -> None:
    """A monitor that quits with a command in flight stops at once, not after
    the reply timeout."""
    device = ScriptedDevice()
    outcome: list[BaseException] = []

    def ask() -> None:
        try:
            dev.request("ping", timeout=3600)
        except BaseException as e:  # what ended it is the result
            outcome.append(e)

    try:
        dev = Device(device.path).start()
        asker = threading.Thread(target=ask)
        asker.start()
        deadline = time.monotonic() + 60
        while b'"ping"' not in device.received:
            assert time.monotonic() < deadline, "the ping never reached the device"
            device.read(0.05)
        dev.close()
        asker.join(60)
        assert not asker.is_alive(), "the request still waits for its reply"
        assert len(outcome) == 1 and isinstance(outcome[0], ReplyTimeout)
        assert "closed" in str(outcome[0])
    finally:
        device.close()


def test_a_close_while_reconnecting_leaves_the_port_free(sim: SimProcess) -> None:
    # The reader's reconnect is inside opening the port when close() comes: whatever
    # it opens must be shut, or this process holds the board's port (and its lock)
    # for good, and every other program is told the port is busy.
    dev = Device(sim.port)
    entered, release = threading.Event(), threading.Event()
    real_open = dev.link.open

    def open_held_until_released() -> str:
        entered.set()
        release.wait(60)
        return real_open()

    dev.link.open = open_held_until_released  # type: ignore[method-assign]
    reconnecting = threading.Thread(target=dev._lost, args=("unplugged",))
    reconnecting.start()
    assert entered.wait(60)
    closing = threading.Thread(target=dev.close)
    closing.start()
    assert dev._stop.wait(60)  # close() has begun
    release.set()
    closing.join(60)
    reconnecting.join(60)
    assert not closing.is_alive() and not reconnecting.is_alive()
    assert not dev.link.is_open
    other = SerialLink(sim.port)  # another program takes the port
    assert other.open()
    other.close()
