# Runs inside MicroPython (memory.py --measure wifi starts it): the heap the whole firmware holds,
# USB only or with Wi-Fi on, on the board that keeps real time (mp_wifi_jitter's), the
# WLAN stand-in joining at once.
#   memory_mp/wifi.py usb|wifi WIFI_JSON SECONDS
# Builds and starts the App and runs it for SECONDS (on the unix port: a session with
# the broker in WIFI_JSON), printing "session BYTES" every 5 s, then "held BYTES" after a
# collection. The WebAssembly build's collector frees nothing while a run is under way:
# there memory.py calls report() in a run of its own (run.mjs --each).
import gc
import sys
import time

gc.collect()
BASE = gc.mem_alloc()
from mp_wifi_jitter import RealtimeBoard  # noqa: E402

from fanctl.app import App  # noqa: E402

KIND, WIFI_JSON, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
app = App(RealtimeBoard(), "settings.json", WIFI_JSON if KIND == "wifi" else "no-wifi.json")
app.start()


def held():
    gc.collect()
    return gc.mem_alloc() - BASE


def report():
    net = app.net
    print("held", held(), net.wifi if net else "off", net.mqtt if net else "off")


end = time.ticks_add(time.ticks_ms(), int(SECONDS * 1000))
mark = time.ticks_add(time.ticks_ms(), 5000)
while time.ticks_diff(end, time.ticks_ms()) > 0:
    app.tick()
    if time.ticks_diff(time.ticks_ms(), mark) >= 0:
        mark = time.ticks_add(mark, 5000)
        print("session", held(), app.net.mqtt if app.net else "off")
if sys.platform != "webassembly":
    report()
