# Runs inside MicroPython (see endurance.py and memory.py): the real App
# through a simulated day's events on a scripted board: heat-load cycles and
# pinches in the temperature, a setpoint push every 3 min, an open thermistor for
# 5 s every 2 h, a bad command now and then, and a reboot (a new App) every hour.
# chunk() is called once per run by the runner and prints the heap in use after a
# collection (this build's collector frees nothing during a run).
import gc

from fanctl.app import App
from scripted_board import ScriptedBoard, counts_for

HOUR = 3600000


class DayBoard(ScriptedBoard):
    # Output is counted and dropped (a real port sends it away). The temperature:
    # a ramp table for the heat-load cycle (20 min), a pinch (34 C) 30 s every 7 min.
    def __init__(self):
        ScriptedBoard.__init__(self)
        self.lines = 0
        self.table = [counts_for(26.0 + i * 0.1) for i in range(70)]
        self.pinch = counts_for(34.0)
        self.counts = self.temp_counts

    def temp_counts(self, ms):
        if ms % 420000 < 30000:
            return self.pinch
        if ms % 7200000 < 5000:
            return 0  # the thermistor open for 5 s every 2 h
        k = (ms // 1000) % 1200  # 20 min: up and down through the band
        return self.table[(k if k < 600 else 1199 - k) * 70 // 600]

    def usb_write(self, buf):
        self.lines += bytes(buf).count(b"\n")
        return len(buf)

    def fan(self, on):
        if on != self.fan_on:
            self.switches += 1
        self.fan_on = on


board = DayBoard()
board.switches = 0
PATH = "/tmp/endurance-settings.json"
app = App(board, PATH)
app.start()
state = {"done": 0, "boot_ms": 0, "push": 0}
SETPOINTS = (b"29", b"30", b"31.5")


def cycles(n):
    global app
    done = 0
    while done < n:
        now = board.now
        if now // 180000 != state["push"]:
            state["push"] = now // 180000
            sp = SETPOINTS[state["push"] % 3]
            board.send(b'{"cmd": "set", "id": 1, "setpoint": ' + sp + b'}\n')
            if state["push"] % 10 == 0:
                board.send(b'{"cmd": "set", "setpoint": NaN}\n{"cmd": "save"}\n')
        if now - state["boot_ms"] >= HOUR:
            state["boot_ms"] = now
            app = App(board, PATH)  # the board reboots (a reconnect resets it)
            app.start()
        if app.tick():
            done += 1


def chunk(n):
    gc.collect()
    print("heap_in_use_bytes", state["done"], gc.mem_alloc())
    cycles(n)
    state["done"] += n
    print("done", state["done"], board.lines, board.switches)


cycles(100)
gc.collect()
print("heap_after_import_bytes", gc.mem_alloc())
