# A scripted stand-in for network.WLAN(network.STA_IF) on the Pico W: the only part of
# Wi-Fi that cannot exist here (the radio and the access point). It joins, drops and
# refuses as a test scripts it, on the scripted board's clock; MicroPython-compatible.
from fanctl.wifi import LINK_BADAUTH, LINK_NONET, LINK_UP

# The Pico W's status codes (CYW43_LINK_*) the firmware reads are fanctl.wifi's; these
# two it never names: the link down, and a join under way.
DOWN, JOIN = 0, 1
RSSI = -61


class FakeWLAN:
    def __init__(self, clock, ssid="greenhouse", password="correct horse", join_ms=1500):
        self.clock = clock  # anything with .now in ms (scripted_board.ScriptedBoard)
        self.ap_ssid = ssid  # the access point's network and passphrase
        self.ap_password = password
        self.ap_up = True
        self.join_ms = join_ms  # how long a join takes, to an address or to a refusal
        self.refusal = None  # a status every join ends in, while set (refuse())
        self.on = False
        self.pm = None  # the power mode last configured
        self.connects = []  # (ssid, key) of every connect()
        self.disconnects = 0
        self.calls = 0  # status() calls (each an SPI transfer on the board)
        self._join_at = None  # when the current join ends, None: not joining or joined

    # -- the script --------------------------------------------------------------------
    def drop(self):
        # The link goes (interference, the AP kicks us): status falls to 0.
        self._join_at = None

    def ap_power(self, up):
        # The access point goes away (and the link with it) or comes back.
        self.ap_up = up
        if not up:
            self._join_at = None

    def refuse(self, status):
        # Every join from now on ends in `status` (None: normal again).
        self.refusal = status

    # -- network.WLAN ---------------------------------------------------------------------
    def active(self, on=None):
        if on is None:
            return self.on
        self.on = bool(on)
        if not on:
            self._join_at = None
        return None

    def config(self, **kw):
        if "pm" in kw:
            self.pm = kw["pm"]

    def connect(self, ssid, key):
        if not self.on:
            raise OSError("wifi not active")
        self.connects.append((ssid, key))
        self._join_at = self.clock.now + self.join_ms

    def disconnect(self):
        self.disconnects += 1
        self._join_at = None

    def _code(self):
        if self._join_at is None or not self.on:
            return DOWN
        if self.clock.now < self._join_at:
            return JOIN
        ssid, key = self.connects[-1]
        if self.refusal is not None:
            return self.refusal
        if not self.ap_up or ssid != self.ap_ssid:
            return LINK_NONET
        if key != self.ap_password:
            return LINK_BADAUTH
        return LINK_UP

    def status(self, what=None):
        self.calls += 1
        if what == "rssi":
            if self._code() != LINK_UP:
                raise OSError("not connected")
            return RSSI
        if what is not None:
            raise ValueError("unknown status param")
        return self._code()

    def isconnected(self):
        return self._code() == LINK_UP

    def ifconfig(self):
        if self._code() == LINK_UP:
            return ("192.168.4.23", "255.255.255.0", "192.168.4.1", "192.168.4.1")
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
