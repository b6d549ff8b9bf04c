# Runs inside MicroPython (see memory.py --measure heap): heap after import, bytes
# allocated per control cycle; then chunk() is called once per run by the
# runner, printing the heap in use after a collection.
import gc

gc.collect()
base = gc.mem_alloc()
from fanctl.app import App  # noqa: E402
from scripted_board import ScriptedBoard, counts_for  # noqa: E402

gc.collect()
print("heap_after_import_bytes", gc.mem_alloc() - base)


class QuietBoard(ScriptedBoard):
    # Drops output (a real port sends it away) but counts it; the ADC returns
    # precomputed counts so only the firmware's own allocations are measured.
    def __init__(self):
        ScriptedBoard.__init__(self)
        self.lines = 0
        self.table = [counts_for(t) for t in (24.0, 27.0, 30.0, 33.0, 31.0, 28.5)]
        self.counts = lambda ms: self.table[(ms // 7000) % 6]

    def usb_write(self, buf):
        self.lines += bytes(buf).count(b"\n")
        return len(buf)

    def fan(self, on):
        self.fan_on = on  # no history: that list would be the test board's growth


board = QuietBoard()
app = App(board, "/tmp/bench-settings.json")
app.settings["interval_ms"] = app.settings["sample_ms"]  # telemetry every cycle: the worst case
app.start()


def cycles(n):
    done = 0
    while done < n:
        if app.tick():
            done += 1


cycles(100)  # warm up
gc.disable()
a0 = gc.mem_alloc()
cycles(100)
print("alloc_per_cycle_bytes", (gc.mem_alloc() - a0) / 100)
gc.enable()
total = [0]


def chunk(n):
    gc.collect()
    print("heap_in_use_bytes", total[0], gc.mem_alloc())
    cycles(n)
    total[0] += n
    print("done", total[0], board.lines, app.controller.switches)
