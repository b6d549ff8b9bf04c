# Runs inside MicroPython (benchmarks/ha_memory.py runs it): the heap a board on Wi-Fi
# needs for Home Assistant: importing fanctl.ha and fanctl.homeassistant, and building
# + JSON-writing its discovery config (the biggest thing it publishes). Heap in use
# (gc.mem_alloc) after a collection around each step. Args: the cases to run.
import gc
import io
import sys

from fanctl import app, settings  # noqa: F401  (what the board has loaded anyway)

gc.collect()
base = gc.mem_alloc()
from fanctl import ha, homeassistant  # noqa: E402, F401

gc.collect()
print("import_ha_homeassistant_bytes", gc.mem_alloc() - base)

UID = "e6614103e7452d2f"
HELLO = {"fw": "0.1.0", "board": "Raspberry Pi Pico W"}
CASES = {"switch": {}, "pwm_tach": {"output": "pwm", "tach": "on"}}
for label in sys.argv[1:] or CASES:  # one case a run: no earlier garbage in the figures
    over = CASES[label]
    s = settings.defaults()
    s.update(over)
    avty = [ha.topic(UID, "availability")]
    gc.collect()
    base = gc.mem_alloc()
    out = io.StringIO()
    ha.write_discovery(out, UID, HELLO, s, avty)
    gc.collect()
    pieces = gc.mem_alloc() - base  # the JSON in the stream's buffer
    payload = out.getvalue()
    gc.collect()
    both = gc.mem_alloc() - base  # the peak: the buffer and the payload
    out = None
    gc.collect()
    print("discovery_%s_payload_bytes" % label, len(payload))
    print("discovery_%s_stream_live_bytes" % label, pieces)
    print("discovery_%s_peak_live_bytes" % label, both)
    print("discovery_%s_payload_live_bytes" % label, gc.mem_alloc() - base)
    payload = None
    # The same config held whole as dicts, then dumped (as a bridge-style build would
    # on the board), for comparison.
    gc.collect()
    base = gc.mem_alloc()
    whole = {}
    for key in ha.ENTITIES:
        whole[key] = dict(ha.component(UID, key, s))
    import json
    text = json.dumps(whole)
    gc.collect()
    print("dicts_%s_peak_live_bytes" % label, gc.mem_alloc() - base)
    whole = text = None
