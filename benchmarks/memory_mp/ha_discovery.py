# Runs inside MicroPython's unix port (benchmarks/memory.py --measure wifi runs it): the most
# heap Home Assistant's largest publish, the discovery config, holds on top of the
# resident firmware while it is written out piece by piece as fanctl.mqtt takes it (a
# collection before every piece, the peak of what stays); and, for comparison, the
# same config held whole as text in an io.StringIO (as it was published before).
# A 64-bit port: its objects are up to twice the RP2040's. Args: the cases to run.
import gc
import io
import sys

from fanctl import app, ha, settings  # noqa: F401  (app: what the board has loaded anyway)

UID = "e6614103e7452d2f"
HELLO = {"fw": "0.1.0", "board": "Raspberry Pi Pico W"}
CASES = {"switch": {}, "pwm_tach": {"output": "pwm", "tach": "on"}}


class Peak:
    def __init__(self, base):
        self.base = base
        self.n = self.peak = 0

    def write(self, text):
        self.n += len(text.encode())
        gc.collect()
        self.peak = max(self.peak, gc.mem_alloc() - self.base)


for label in sys.argv[1:] or CASES:
    s = settings.defaults()
    s.update(CASES[label])
    avty = [ha.topic(UID, "availability")]
    gc.collect()
    peak = Peak(gc.mem_alloc())
    ha.write_discovery(peak, UID, HELLO, s, avty)
    print("discovery_%s_payload_bytes" % label, peak.n)
    print("discovery_%s_written_peak_bytes" % label, peak.peak)
    gc.collect()
    base = gc.mem_alloc()
    out = io.StringIO()
    ha.write_discovery(out, UID, HELLO, s, avty)
    payload = out.getvalue()
    gc.collect()
    print("discovery_%s_as_text_live_bytes" % label, gc.mem_alloc() - base)
    out = payload = None
