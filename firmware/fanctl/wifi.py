# Wi-Fi: the credentials file (wifi.json, apart from settings.json) and the link to
# the access point, as a state machine the control loop polls and that never waits.
# The password goes from the host into the file and from the file into connect():
# nowhere else (public() is what hello, get and logs may show).
import json
import os

from fanctl import const
from fanctl.protocol import BadCommand

MAX_SSID = const(32)  # bytes (802.11)
# WPA2: a passphrase of 8 to 63 printable ASCII characters, or the key itself as 64 hex
# digits. An open network is asked for by name (open: true); wifi.json stores it as "".
MIN_PASSWORD = const(8)
MAX_PASSWORD = const(64)
PASSWORD_RULE = ("password must be 8 to 63 printable ASCII characters or 64 hex digits; "
                 "for an open network, open: true")
MAX_CREDENTIAL = const(64)  # the broker's user and password, bytes
MAX_HOST = const(64)
MQTT_PORT = const(1883)
# FIELDS: what the wifi command and wifi.json may hold; the first three are needed.
FIELDS = ("ssid", "password", "broker", "user", "broker_password")
_SCHEME = "mqtt://"

# network.WLAN.status() on the Pico W (CYW43_LINK_*): 0 down, 1 joining, 2 no IP yet,
# 3 up, -1 failed, -2 no such network, -3 wrong password.
LINK_UP = const(3)
LINK_FAIL = const(-1)
LINK_NONET = const(-2)
LINK_BADAUTH = const(-3)
# Power save off (CYW43_NONE_PM): with it on, the chip sleeps through long idle spells
# and drops the link or stalls replies (micropython #16482).
PM_NONE = const(0xA11140)
BACKOFF_FIRST_MS = const(1000)  # after a failed join or a drop, wait this long...
BACKOFF_MAX_MS = const(60000)  # ...doubling each failure up to this
JOIN_TIMEOUT_MS = const(20000)  # a join that neither fails nor succeeds in this long: down
CHECK_MS = const(250)  # the link is asked at most this often (an SPI transfer on the board)
RSSI_MS = const(5000)  # the signal strength, this often while up

OFF = "off"
JOINING = "joining"
UP = "up"
DOWN = "down"


class BadWifi(BadCommand):
    # A Wi-Fi config refused (the wifi command, wifi.json): .code, .msg, .id as
    # BadCommand's. Never the value itself: it may be a password.
    pass


def _size(text):
    return len(text.encode())


def _text(config, name, low, high, what):
    value = config.get(name)
    if type(value) is not str:
        raise BadWifi("type", "%s must be text" % name)
    n = _size(value)
    if not low <= n <= high:
        raise BadWifi("range", "%s must be %s" % (name, what))
    return value


def broker_address(url):
    # "mqtt://host[:port]" -> (host, port), or BadWifi (the URL is not echoed whole: a
    # mistyped password pasted here would show up in the error).
    if type(url) is not str or not url.startswith(_SCHEME):
        raise BadWifi("type", "broker must look like mqtt://HOST or mqtt://HOST:PORT")
    rest = url[len(_SCHEME):]
    if "@" in rest:
        raise BadWifi("type", "broker URL may not hold a user or password: use the user "
                              "and broker_password fields")
    host, port = rest, MQTT_PORT
    colon = rest.rfind(":")
    if colon >= 0:
        host, digits = rest[:colon], rest[colon + 1:]
        if not digits or len(digits) > 5 or not digits.isdigit() or not 0 < int(digits) < 65536:
            raise BadWifi("range", "broker port must be a number from 1 to 65535")
        port = int(digits)
    if not host or len(host) > MAX_HOST:
        raise BadWifi("range", "broker needs a host name or IP address (up to %d characters)"
                      % MAX_HOST)
    for c in host:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in "-."):
            raise BadWifi("type", "broker host may hold letters, digits, - and . only")
    return host, port


def check(fields):
    # The wifi command's fields (or wifi.json's) -> a config dict, or BadWifi. Used by
    # the board on every command and file and by the host before it sends anything.
    for name in fields:
        if name not in FIELDS:
            raise BadWifi("unknown_field", "unknown wifi field '%s'" % name)
    for name in FIELDS[:3]:
        if name not in fields:
            raise BadWifi("missing", "wifi needs ssid, broker and password (or open: "
                                     "true; or off: true)")
    config = {"ssid": _text(fields, "ssid", 1, MAX_SSID, "1 to %d bytes" % MAX_SSID)}
    password = fields["password"]
    if password != "":  # "": an open network (stored so by request)
        _password(password)
    config["password"] = password
    broker_address(fields["broker"])
    config["broker"] = fields["broker"]
    for name in FIELDS[3:]:
        if name in fields:
            config[name] = _text(fields, name, 0, MAX_CREDENTIAL,
                                 "up to %d bytes" % MAX_CREDENTIAL)
    return config


def _password(value):
    if type(value) is not str:
        raise BadWifi("type", "password must be text")
    n = len(value)
    if n == MAX_PASSWORD:
        allowed = "0123456789abcdefABCDEF"
    elif MIN_PASSWORD <= n < MAX_PASSWORD:
        allowed = None  # printable ASCII: space to ~
    else:
        raise BadWifi("range", PASSWORD_RULE)
    for c in value:
        if not (c in allowed if allowed else " " <= c <= "~"):
            raise BadWifi("range", PASSWORD_RULE)


def request(fields):
    # The wifi command's fields -> {} (show what is stored), None (off: remove it) or a
    # checked config to store; BadWifi otherwise. The board's rule, and the host's. An
    # open network is open: true, never an empty password: a blank line is a mistake.
    if "off" in fields:
        if fields["off"] is not True or len(fields) > 1:
            raise BadWifi("type", "off must be true, and alone")
        return None
    if not fields:
        return {}
    if "open" in fields:
        if fields["open"] is not True or "password" in fields:
            raise BadWifi("type", "open must be true, and without a password")
        fields = dict(fields)
        del fields["open"]
        fields["password"] = ""
    elif "password" in fields:
        _password(fields["password"])
    return check(fields)


def public(config):
    # What may be shown anywhere (hello, get, the ack, logs): never a password.
    if config is None:
        return None
    return {"ssid": config["ssid"], "broker": config["broker"],
            "password_set": config["password"] != ""}


def load(path):
    # -> (config or None, warning or None). No file: Wi-Fi off, nothing to say. A bad
    # file: Wi-Fi off and a warning that names what is wrong, never its contents.
    try:
        with open(path) as f:
            stored = json.load(f)
    except OSError:
        return None, None
    except ValueError:
        return None, "wifi.json is not valid JSON: Wi-Fi off"
    if type(stored) is not dict:
        return None, "wifi.json is not an object: Wi-Fi off"
    try:
        return check(stored), None
    except BadWifi as e:
        return None, "wifi.json rejected (%s): Wi-Fi off" % e.msg


def save(path, config):
    # As settings.save: a new file renamed over the old one (littlefs renames atomically).
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(config, f)
    os.rename(tmp, path)


def remove(path):
    # -> True when there was a file to remove.
    try:
        os.remove(path)
    except OSError:
        return False
    return True


class WifiLink:
    # The station link, polled from the control loop: poll() does at most a status
    # read (and, when due, a join or an RSSI read) and returns at once.
    #   off      no config: the radio is never touched
    #   joining  connect() sent, waiting for an address
    #   up       joined (rssi in dBm, ip)
    #   down     a join failed or the link dropped (reason); the next join is at
    #            a backoff of 1 s doubling to 60 s, reset once up again
    # wlan: the network.WLAN(STA_IF) subset active(), connect(), disconnect(), status(),
    # status("rssi"), config(pm=), ifconfig(); ticks: ticks_ms/ticks_add/ticks_diff.
    def __init__(self, wlan, config, ticks):
        self.wlan = wlan
        self.config = config
        self.ticks = ticks
        self.state = OFF
        self.reason = None  # why down, short text (for logs)
        self.rssi = None
        self.ip = None
        self.joins = 0  # joins attempted
        self.backoff_ms = BACKOFF_FIRST_MS
        now = ticks.ticks_ms()
        self._at = now  # when the current state began
        self._next = now  # when the next join (down) or status check (joining, up) is due
        self._rssi_at = now
        if config is not None:
            self.state = DOWN  # the first poll joins at once

    def _due(self, now, when):
        return self.ticks.ticks_diff(now, when) >= 0

    def poll(self):
        # -> True when the state changed in this call (the caller may log it).
        if self.state == OFF:
            return False
        now = self.ticks.ticks_ms()
        if not self._due(now, self._next):
            return False
        try:
            if self.state == DOWN:
                return self._join(now)
            status = self.wlan.status()
            if self.state == JOINING:
                return self._joining(now, status)
            if status != LINK_UP:
                self.backoff_ms = BACKOFF_FIRST_MS
                return self._down(now, "link lost (status %d)" % status)
            if self._due(now, self._rssi_at):
                self._read_rssi(now)
            self._next = self.ticks.ticks_add(now, CHECK_MS)
        except OSError as e:  # the chip refused a call: try again later, as for a drop
            return self._down(now, "wifi chip error %s" % e)
        return False

    def _join(self, now):
        wlan = self.wlan
        wlan.active(True)
        try:
            wlan.config(pm=PM_NONE)
        except (ValueError, TypeError, OSError):
            pass  # a radio without that power mode: nothing to turn off
        self.joins += 1
        wlan.connect(self.config["ssid"], self.config["password"])
        return self._enter(now, JOINING, None, CHECK_MS)

    def _joining(self, now, status):
        if status == LINK_UP:
            self.backoff_ms = BACKOFF_FIRST_MS
            self._enter(now, UP, None, CHECK_MS)
            self._read_rssi(now)
            try:
                self.ip = self.wlan.ifconfig()[0]
            except (OSError, IndexError):
                self.ip = None
            return True
        if status == LINK_BADAUTH:
            return self._down(now, "wrong password for '%s'" % self.config["ssid"])
        if status == LINK_NONET:
            return self._down(now, "no network '%s' in range" % self.config["ssid"])
        if status == LINK_FAIL:
            return self._down(now, "join failed")
        if self.ticks.ticks_diff(now, self._at) >= JOIN_TIMEOUT_MS:
            return self._down(now, "join timed out (status %d)" % status)
        self._next = self.ticks.ticks_add(now, CHECK_MS)
        return False

    def _down(self, now, reason):
        try:
            self.wlan.disconnect()
        except OSError:
            pass
        wait = self.backoff_ms
        self.backoff_ms = min(wait * 2, BACKOFF_MAX_MS)
        self.rssi = self.ip = None
        return self._enter(now, DOWN, reason, wait)

    def _enter(self, now, state, reason, wait):
        self.state = state
        self.reason = reason
        self._at = now
        self._next = self.ticks.ticks_add(now, wait)
        return True

    def _read_rssi(self, now):
        self._rssi_at = self.ticks.ticks_add(now, RSSI_MS)
        try:
            self.rssi = self.wlan.status("rssi")
        except (OSError, ValueError, TypeError):
            self.rssi = None

    def stop(self):
        # Wi-Fi off (the config removed): leave the network and power the radio down.
        if self.state != OFF:
            try:
                self.wlan.disconnect()
                self.wlan.active(False)
            except OSError:
                pass
        self.state = OFF
        self.reason = self.rssi = self.ip = None
