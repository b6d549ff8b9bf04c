"""The simulator's tally of telemetry delivered (status: tele_sent), which the
endurance audit holds the host's log to: a line the host did not get whole when the
cable came out was not delivered."""

from __future__ import annotations

import json
import os

from polling import until

from picofan.sim.hardware import Hardware


def test_a_line_the_cable_cuts_in_half_is_not_counted_as_delivered() -> None:
    hw = Hardware(speed=0, seed=1)
    host = os.open(hw.port.path, os.O_RDWR | os.O_NOCTTY)  # a host holds the port open
    try:
        line = json.dumps({"type": "tele", "seq": 0, "ms": 1000}).encode() + b"\r\n"
        until(lambda: hw.cdc.room() > len(line), "the port open for the host")
        assert hw.cdc.write(line, hw.usb_wait_ms) == len(line)
        hw.count_output(line)
        until(lambda: not hw.cdc.backed_up(), "the line out on the port")
        # The host has read the line's first bytes when the cable comes out.
        assert os.read(host, 10) == line[:10]
        hw.pending = ("unplug", 0.0)
        hw.power_event()
        assert hw.tele_sent == 0 and hw.tele_ms_sum == 0
    finally:
        os.close(host)
        hw.port.close()
