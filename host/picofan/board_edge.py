"""The board edge: everything the firmware's control loop (fanctl.app) asks of the
hardware, as one typed contract.

The firmware is MicroPython and has no typing; this is its contract written where
mypy can hold every implementation to it: the Pico W itself (firmware/board.py), the
virtual Pico's edges, the benchmarks' rig and the tests' scripted board
(tests/board_edges.py names each one). A member added here without being added to
each of them fails `make test`'s mypy. A board without the Wi-Fi chip (the CPython
rig) is a BoardEdge; a Pico W is a WifiBoardEdge."""

from __future__ import annotations

from typing import Protocol


class Radio(Protocol):
    """The station interface the firmware drives (MicroPython's network.WLAN)."""

    def active(self, on: bool | None = ..., /) -> bool | None: ...

    def config(self, *args: object, **kwargs: object) -> object: ...

    def connect(self, ssid: str, key: str, /) -> None: ...

    def disconnect(self) -> None: ...

    def status(self, what: str | None = ..., /) -> object: ...

    def isconnected(self) -> bool: ...

    def ifconfig(self) -> tuple[str, str, str, str]: ...


class BoardEdge(Protocol):
    """One board, as fanctl.app.App(board) uses it."""

    name: str  # shown in hello

    def read_u16(self) -> int:
        """One ADC conversion of the thermistor's divider, 0..65535."""
        ...

    def fan(self, on: bool, /) -> None:
        """GPIO2 as a plain digital output."""
        ...

    def fan_pwm(self, level: int, /) -> None:
        """GPIO2 as 25 kHz PWM, level 0..65535 at the pin."""
        ...

    def tach_count(self) -> int:
        """Falling edges on the tach input since boot (wraps at 2^30)."""
        ...

    def led(self, on: bool, /) -> None: ...

    def ticks_ms(self) -> int:
        """MicroPython's wrapping millisecond clock."""
        ...

    def ticks_add(self, t: int, delta: int, /) -> int: ...

    def ticks_diff(self, a: int, b: int, /) -> int: ...

    def wait(self, ms: int, /) -> object:
        """Sleep up to ms, returning early when input arrives."""
        ...

    def read_byte(self) -> int | None:
        """One byte of serial input, or None at once when there is none."""
        ...

    def usb_room(self) -> int:
        """Bytes usb_write() takes now without waiting (a lower bound)."""
        ...

    def usb_write(self, buf: memoryview, /) -> int | None:
        """Write serial output; what usb_room() allowed never waits."""
        ...

    def watchdog_start(self, ms: int, /) -> None: ...

    def watchdog_feed(self) -> None: ...

    def watchdog_stop(self) -> None: ...

    def random32(self) -> int:
        """32 random bits: a new boot id per start."""
        ...

    def reset_cause(self) -> str:
        """Why the board last started: "power" or "watchdog"."""
        ...

    def unique_id(self) -> str:
        """The board's own id, 16 hex digits (its flash chip's)."""
        ...


class WifiBoardEdge(BoardEdge, Protocol):
    """A board with the Wi-Fi chip (a Pico W): what fanctl.net asks for besides."""

    def wlan(self) -> Radio:
        """The Wi-Fi station interface, made on first use."""
        ...
