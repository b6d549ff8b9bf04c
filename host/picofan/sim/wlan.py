"""The virtual Pico's Wi-Fi: its radio (the network.WLAN the firmware polls, through
`on_chip/unix_board.py`'s SimWLAN over the request pipe) and the access point it joins.

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

# network.WLAN.status() on the Pico W (CYW43_LINK_*): those the firmware reads are
# fanctl.wifi's; these it never names (the link down, a join under way).
LINK_DOWN, LINK_JOIN = 0, 1
NAMES = {LINK_DOWN: "down", LINK_JOIN: "joining", 2: "no ip", LINK_UP: "up", LINK_FAIL: "failed",
         LINK_NONET: "no network", LINK_BADAUTH: "wrong password"}
JOIN_MS = 1200.0  # a join, DHCP included, on the board's clock
NONET_MS = 3000.0  # a join with no access point in range gives up after this long
RSSI_DBM = -58  # the signal at the board, give or take a few dB per reading
AP_REBOOT_S = 10.0


class SimWifi:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"wifi {seed}")
        self.forced_down = False  # `wifi down`: no network in range until `wifi up`
        self.ap_back_ms: float | None = None  # `ap reboot`: the AP is away until then
        self.active = False
        self.pm: int | None = None  # the power mode the firmware last set
        self.join_ms: float | None = None  # when the current join began (None: none)
        self.joined = False
        self.joins = 0

    # -- the world ------------------------------------------------------------------
    def set_down(self, down: bool) -> None:
        self.forced_down = down

    def ap_reboot(self, now_ms: float, seconds: float) -> None:
        self.ap_back_ms = now_ms + seconds * 1000

    def reachable(self, now_ms: float) -> bool:
        if self.ap_back_ms is not None and now_ms >= self.ap_back_ms:
            self.ap_back_ms = None
        return not self.forced_down and self.ap_back_ms is None

    def status(self, now_ms: float) -> int:
        if not self.active or self.join_ms is None:
            return LINK_DOWN
        since = now_ms - self.join_ms
        if not self.reachable(now_ms):
            if self.joined:  # the link goes with the network
                self.join_ms, self.joined = None, False
                return LINK_DOWN
            return LINK_NONET if since >= NONET_MS else LINK_JOIN
        if since < JOIN_MS:
            return LINK_JOIN
        self.joined = True
        return int(LINK_UP)  # (typed: fanctl is not)

    # -- the chip's requests (chip_runner.py: "N OP [ARG]") ---------------------------------
    def request(self, op: bytes, args: list[bytes], now_ms: float) -> list[int]:
        if op == b"a":  # active(on)
            self.active = args[0] == b"1"
            if not self.active:
                self.join_ms, self.joined = None, False
            return []
        if op == b"p":  # config(pm=)
            self.pm = int(args[0])
            return []
        if op == b"c":  # connect(): the chip keeps the SSID and password to itself
            if not self.active:
                return [0]
            self.join_ms, self.joined = now_ms, False
            self.joins += 1
            return [1]
        if op == b"d":  # disconnect()
            self.join_ms, self.joined = None, False
            return []
        if op == b"s":  # status() and status("rssi")
            code = self.status(now_ms)
            rssi = RSSI_DBM + self.rng.randint(-3, 3) if code == LINK_UP else 0
            return [code, rssi]
        raise RuntimeError(f"the chip sent an unknown Wi-Fi request {op!r}")

    def state(self, now_ms: float) -> dict[str, Any]:
        return {"ap": "up" if self.reachable(now_ms) else "down",
                "link": NAMES.get(self.status(now_ms), "?"), "pm": self.pm,
                "joins": self.joins}
