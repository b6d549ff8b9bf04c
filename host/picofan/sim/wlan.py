"""The virtual Pico's Wi-Fi: the access point its radio joins, and the chip's
network.WLAN calls (`on_chip/unix_board.py`'s RemoteWLAN, over the request pipe)
served by the one radio double (radio.py) on the board's clock.

Only the link is simulated: whether the station has joined, its status code as the
Pico W's `WLAN.status()` gives it and its RSSI. Sockets stay real (the host's own
network), so the firmware has to close its MQTT socket itself when the link drops.
The simulator's console steers the world: `wifi down` / `wifi up` (no network in
range until up), `ap reboot [S]` (the access point gone for S seconds).
The chip never sends the SSID or the password here: any join succeeds while the
access point is up."""

from __future__ import annotations

import random
from typing import Any

from fanctl.wifi import LINK_BADAUTH, LINK_FAIL, LINK_NONET, LINK_UP
from picofan.sim.clock import SimClock
from picofan.sim.radio import LINK_DOWN, LINK_JOIN, LINK_NOIP, WLAN

NAMES = {LINK_DOWN: "down", LINK_JOIN: "joining", LINK_NOIP: "no ip", LINK_UP: "up",
         LINK_FAIL: "failed", LINK_NONET: "no network", LINK_BADAUTH: "wrong password"}
JOIN_MS = 1200.0  # a join, DHCP included, on the board's clock
NONET_MS = 3000.0  # a join with no access point in range gives up after this long
RSSI_DBM = -58  # the signal at the board, give or take a few dB per reading
AP_REBOOT_S = 10.0


class SimAccessPoint:
    """The access point in range of the virtual Pico: it takes any network name and
    any password; the console puts it out of range or power-cycles it."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"wifi {seed}")
        self.forced_down = False  # `wifi down`: no network in range until `wifi up`
        self.ap_back_ms: float | None = None  # `ap reboot`: the AP is away until then

    def set_down(self, down: bool) -> None:
        self.forced_down = down

    def ap_reboot(self, now_ms: float, seconds: float) -> None:
        self.ap_back_ms = now_ms + seconds * 1000

    def reachable(self, now_ms: float) -> bool:
        if self.ap_back_ms is not None and now_ms >= self.ap_back_ms:
            self.ap_back_ms = None
        return not self.forced_down and self.ap_back_ms is None

    def answer(self, ssid: object, key: object) -> int:
        return int(LINK_UP)  # (typed: fanctl is not)

    def rssi(self) -> int:
        return RSSI_DBM + self.rng.randint(-3, 3)


class BoardTime:
    """The board's clock as the radio double reads it (.now, in ms)."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock

    @property
    def now(self) -> float:
        return self.clock.ms


class SimWifi:
    def __init__(self, seed: int, clock: SimClock) -> None:
        self.ap = SimAccessPoint(seed)
        self.clock = clock
        self.wlan = WLAN(BoardTime(clock), self.ap, join_ms=JOIN_MS, nonet_ms=NONET_MS)

    # -- the world ------------------------------------------------------------------
    def set_down(self, down: bool) -> None:
        self.ap.set_down(down)

    def ap_reboot(self, seconds: float) -> None:
        self.ap.ap_reboot(self.clock.ms, seconds)

    # -- the chip's network.WLAN calls (chip_runner.py: "N OP [ARG]") ------------------
    def request(self, op: bytes, args: list[bytes]) -> list[int | str]:
        """-> [1, the call's result...], or [0, the message] for an OSError it raised."""
        wlan = self.wlan
        try:
            if op == b"a":  # active([on])
                if not args:
                    return [1, int(bool(wlan.active()))]
                wlan.active(args[0] == b"1")
                return [1]
            if op == b"p":  # config(pm=)
                wlan.config(pm=int(args[0]))
                return [1]
            if op == b"c":  # connect(): the chip keeps the SSID and password to itself
                wlan.connect(None, None)
                return [1]
            if op == b"d":  # disconnect()
                wlan.disconnect()
                return [1]
            if op == b"s":  # status()
                return [1, int(wlan.status())]
            if op == b"r":  # status("rssi")
                return [1, int(wlan.status("rssi"))]
            if op == b"i":  # isconnected()
                return [1, int(bool(wlan.isconnected()))]
            if op == b"f":  # ifconfig()
                return [1, *(str(a) for a in wlan.ifconfig())]
        except OSError as e:
            return [0, str(e)]
        raise RuntimeError(f"the chip sent an unknown Wi-Fi request {op!r}")

    @property
    def pm(self) -> int | None:
        """The power mode the firmware last set."""
        pm: int | None = self.wlan.pm
        return pm

    def state(self) -> dict[str, Any]:
        return {"ap": "up" if self.ap.reachable(self.clock.ms) else "down",
                "link": NAMES.get(self.wlan.status(), "?"), "pm": self.wlan.pm,
                "joins": len(self.wlan.connects)}
