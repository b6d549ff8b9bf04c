# The one stand-in for the Pico W's radio: network.WLAN(network.STA_IF), the part of
# Wi-Fi that cannot exist off the board, and the access point it joins. The firmware's
# tests script it (tests/firmware/support.py); the virtual Pico serves its chip's WLAN
# calls with it (sim/wlan.py). Plain Python that runs on MicroPython too (the portable
# tests run there, and the Wi-Fi benchmarks on the unix port): no typing, no f-strings.
# Only the link is simulated: sockets are the host's own.
from fanctl.wifi import LINK_BADAUTH, LINK_NONET, LINK_UP

# network.WLAN.status() on the Pico W (CYW43_LINK_*): those the firmware reads are
# fanctl.wifi's; these three it never names (its deployed code holds no dead names),
# so their home is here: the link down, a join under way, joined without an address.
LINK_DOWN = 0
LINK_JOIN = 1
LINK_NOIP = 2
RSSI = -61


class AccessPoint:
    # The network in range: its name and passphrase (None: it takes any), whether it
    # is up, and the signal at the board.
    def __init__(self, ssid=None, password=None, rssi=RSSI):
        self.ssid = ssid
        self.password = password
        self.up = True
        self.refusal = None  # a status every join ends in, while set (refuse())
        self._rssi = rssi

    def power(self, up):
        # The access point goes away (and the link with it) or comes back.
        self.up = up

    def refuse(self, status):
        # Every join from now on ends in `status` (None: normal again).
        self.refusal = status

    def reachable(self, now_ms):
        return self.up

    def answer(self, ssid, key):
        # How a join that reached the access point ends: a status code.
        if self.refusal is not None:
            return self.refusal
        if self.ssid is not None and ssid != self.ssid:
            return LINK_NONET
        if self.password is not None and key != self.password:
            return LINK_BADAUTH
        return LINK_UP

    def rssi(self):
        return self._rssi


class WLAN:
    # network.WLAN(network.STA_IF), the subset fanctl.wifi uses, on a clock (anything
    # with .now in ms): a join takes join_ms; with no access point in range it gives
    # up after nonet_ms (default: join_ms); the link drops when the access point goes.
    def __init__(self, clock, ap=None, join_ms=1500, nonet_ms=None):
        self.clock = clock
        self.ap = AccessPoint() if ap is None else ap
        self.join_ms = join_ms
        self.nonet_ms = join_ms if nonet_ms is None else nonet_ms
        self.on = False
        self.pm = None  # the power mode last configured
        self.connects = []  # (ssid, key) of every connect()
        self.disconnects = 0
        self.calls = 0  # status() calls (each an SPI transfer on the board)
        self._join_at = None  # when the current join began, None: not joining or joined
        self._joined = False

    # -- the script ------------------------------------------------------------------------
    def drop(self):
        # The link goes (interference, the AP kicks us): status falls to 0.
        self._join_at = None
        self._joined = False

    # -- network.WLAN ------------------------------------------------------------------------
    def active(self, on=None):
        if on is None:
            return self.on
        self.on = bool(on)
        if not on:
            self.drop()
        return None

    def config(self, **kw):
        if "pm" in kw:
            self.pm = kw["pm"]

    def connect(self, ssid, key):
        if not self.on:
            raise OSError("wifi not active")  # as the Pico W's connect() before active(True)
        self.connects.append((ssid, key))
        self._join_at = self.clock.now
        self._joined = False

    def disconnect(self):
        self.disconnects += 1
        self.drop()

    def _code(self):
        if self._join_at is None or not self.on:
            return LINK_DOWN
        now = self.clock.now
        since = now - self._join_at
        if not self.ap.reachable(now):
            if self._joined:  # the link goes with the network
                self.drop()
                return LINK_DOWN
            return LINK_NONET if since >= self.nonet_ms else LINK_JOIN
        if since < self.join_ms:
            return LINK_JOIN
        ssid, key = self.connects[-1]
        code = self.ap.answer(ssid, key)
        self._joined = code == LINK_UP
        return code

    def status(self, what=None):
        self.calls += 1
        if what == "rssi":
            if self._code() != LINK_UP:
                raise OSError("not connected")
            return self.ap.rssi()
        if what is not None:
            raise ValueError("unknown status param")
        return self._code()

    def isconnected(self):
        return self._code() == LINK_UP

    def ifconfig(self):
        # The address the access point hands out (connections use the host's own).
        if self._code() == LINK_UP:
            return ("192.168.4.23", "255.255.255.0", "192.168.4.1", "192.168.4.1")
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
