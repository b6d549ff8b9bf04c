# Runs inside MicroPython's unix port (wifi_jitter.py starts it): the firmware's App on a
# board that keeps real time, Wi-Fi up (the WLAN stand-in, as in the tests) and its MQTT
# session against the broker in ./wifi.json, for SECONDS. Prints "s MS" at every sample,
# flushed, so a loop that blocks shows as a gap even if it never comes back.
#   micropython mp_wifi_jitter.py picofan|naive SECONDS
# picofan: fanctl.net, as on the board. naive: umqtt.simple driven from the same loop
# the way its examples drive it (connect, then publish and check_msg), blocking socket.
import json
import sys
import time

from fanctl import ha
from fanctl.app import App
from picofan.sim.radio import WLAN, AccessPoint


class Clock:
    @property
    def now(self):
        return time.ticks_ms()


class RealtimeBoard:
    # What firmware/board.py is on the Pico W, minus the pins: the ADC reads a fixed
    # 30 degC-ish divider, outputs go nowhere, the clock and sleep are real.
    name = "realtime board"

    def __init__(self):
        self.ticks_ms = time.ticks_ms
        self.ticks_add = time.ticks_add
        self.ticks_diff = time.ticks_diff
        self.reads = 0
        self._wlan = WLAN(Clock(), AccessPoint("bench", ""), join_ms=0)

    def read_u16(self):
        self.reads += 1
        return 30000 + (self.reads & 3) * 16

    def fan(self, on):
        pass

    def fan_pwm(self, level):
        pass

    def led(self, on):
        pass

    def tach_count(self):
        return 0

    def wait(self, ms):
        time.sleep_ms(ms)
        return False

    def read_byte(self):
        return None

    def usb_room(self):
        return 1 << 16

    def usb_write(self, buf):
        return len(buf)

    def watchdog_start(self, ms):
        pass

    def watchdog_feed(self):
        pass

    def watchdog_stop(self):
        pass

    def random32(self):
        return 0x5EED

    def reset_cause(self):
        return "power"

    def unique_id(self):
        return "e6614103e7452d2f"

    def wlan(self):
        return self._wlan


class NaiveNet:
    # umqtt.simple as its examples use it, in the same place in the loop as fanctl.net.
    def __init__(self, config, uid):
        from umqtt.simple import MQTTClient

        host, port = config["broker"][len("mqtt://"):].split(":")
        self.client = MQTTClient("naive-" + uid, host, int(port), keepalive=30)
        self.topic = "picofan/%s/state" % uid
        self.up = False
        self.wifi, self.rssi, self.mqtt = "up", None, "down"
        self.sent = time.ticks_ms()

    def poll(self, hello, settings, read=None):
        try:
            if not self.up:
                self.client.connect()
                self.up = True
            self.client.check_msg()
        except (OSError, IndexError, AssertionError):
            self.up = False  # (tried again on the next pass)
        self.mqtt = "up" if self.up else "down"
        # the board's state after a sample, once a period, as fanctl.homeassistant's
        now = time.ticks_ms()
        if read is not None and self.up and time.ticks_diff(
                now, self.sent) >= ha.STATE_PERIOD_MS:
            self.sent = now
            try:
                self.client.publish(self.topic, json.dumps(read()))
            except OSError:
                self.up = False

    def stop(self):
        pass


class TimedApp(App):
    def sample(self, dt_ms):
        sys.stdout.write("s %d\n" % time.ticks_ms())
        App.sample(self, dt_ms)


class NaiveApp(TimedApp):
    def start_net(self):
        App.start_net(self)  # (its bookkeeping) ...
        if self.net is not None:
            self.net.stop()
            self.net = NaiveNet(self.wifi_config, self.uid)  # ...then the naive client


def main():
    kind, seconds = sys.argv[1], float(sys.argv[2])
    app = (NaiveApp if kind == "naive" else TimedApp)(RealtimeBoard())
    app.start()
    end = time.ticks_add(time.ticks_ms(), int(seconds * 1000))
    while time.ticks_diff(end, time.ticks_ms()) > 0:
        app.tick()
    net = app.net
    print("end", net.wifi if net else "off", net.mqtt if net else "off")


if __name__ == "__main__":
    main()
