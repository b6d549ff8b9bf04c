# The board on its own network, with a wifi.json: Wi-Fi (fanctl.wifi), one MQTT session
# (fanctl.mqtt) and Home Assistant (fanctl.homeassistant). The control loop polls it
# after its sampling and telemetry; every call does a bounded amount of work and
# returns, so sampling, the fail-safe and USB telemetry keep their period whatever the
# network does. Imported only with a wifi.json: a USB-only board never loads it.
from fanctl import const, ha, wifi
from fanctl.dns import DNSResolver, is_ip
from fanctl.homeassistant import HomeAssistant
from fanctl.mqtt import MQTTClient

KEEPALIVE_S = const(30)  # the broker drops the session (and says offline) after 1.5x
RETRY_FIRST_MS = const(1000)  # after the broker refused or dropped us, wait this long...
RETRY_MAX_MS = const(60000)  # ...doubling each failure up to this
OFF = "off"  # the mqtt state with Wi-Fi off
# The MQTT output buffer: a packet must fit whole, and the largest is the discovery
# config of a PWM fan with a tach and a 24-character name, 5.9 KB (tests/sim/
# test_board_on_wifi.py publishes it); with room for a state message queued beside it.
TX_BYTES = const(8192)


class Net:
    # board: the board edge (wlan(), ticks); config: fanctl.wifi's; uid: the board's
    # id; apply(cmd, args): the App's; log(level, text): one line on USB.
    def __init__(self, board, config, uid, apply, log):
        self.board = board
        self.log = log
        self.link = wifi.WifiLink(board.wlan(), config, board)
        host, port = wifi.broker_address(config["broker"])
        # A broker by name is looked up without waiting (the DNS server DHCP gave).
        self.dns = None if is_ip(host) else DNSResolver(None, board)
        self.will = ha.will(uid)
        self.client = MQTTClient(
            "picofan-" + uid, host, port, config.get("user") or None,
            config.get("broker_password") or None, KEEPALIVE_S, self.will,
            self._message, board, resolve=self.dns, tx_size=TX_BYTES)
        self.ha = HomeAssistant(self.client, uid, apply, board, log)
        self.retry_ms = RETRY_FIRST_MS
        self.retry_at = board.ticks_ms()
        self.was = "down"  # the session's state at the last poll
        self.hello = None  # fw and board, for the discovery config
        self.settings = None

    @property
    def wifi(self):
        return self.link.state

    @property
    def rssi(self):
        return self.link.rssi

    @property
    def mqtt(self):
        return self.client.state if self.link.state == wifi.UP else OFF

    def _message(self, topic, payload, retain):
        self.ha.on_message(topic, payload, retain)

    def poll(self, hello, settings, read=None):
        # read: on a pass that sampled, the board's state now (App.state), for Home
        # Assistant to read at its own rate; None on other passes.
        self.hello = hello
        self.settings = settings
        link = self.link
        if link.poll():
            if link.state == wifi.DOWN:
                self.log("warn", "wifi down: %s" % link.reason)
            else:
                self.log("info", "wifi %s%s" % (link.state, (" (%s, %s dBm)" % (
                    link.ip, link.rssi)) if link.state == wifi.UP else ""))
        client = self.client
        if link.state != wifi.UP:
            if client.state != "down":
                client.abort("wifi " + link.state)  # the socket went with the link
                self.was = "down"
            return
        board = self.board
        if client.state == "down":
            now = board.ticks_ms()
            if board.ticks_diff(now, self.retry_at) >= 0:
                if self.dns is not None:
                    self.dns.server = link.wlan.ifconfig()[3]
                client.start()
                self.retry_at = board.ticks_add(now, self.retry_ms)
                self.retry_ms = min(self.retry_ms * 2, RETRY_MAX_MS)
        client.poll()
        state = client.state
        if state != self.was:
            if state == "up":
                self.retry_ms = RETRY_FIRST_MS
                self.log("info", "mqtt up: %s:%d" % (client.host, client.port))
                self.ha.on_up(hello, settings)
            elif state == "down":
                self.log("warn", "mqtt down: %s" % client.last_error)
            self.was = state
        if state == "up" and read is not None:
            self.ha.poll(read, settings)

    def stop(self):
        # Wi-Fi off, or the loop stopped: offline for Home Assistant (a clean DISCONNECT
        # would drop the will that says so), then leave and power the radio down.
        client = self.client
        if client.state == "up":
            topic, payload, retain, qos = self.will
            client.publish(topic, payload, retain, qos)
            client.poll()  # (writes what the socket takes now; never waits)
        client.close()
        self.link.stop()
