# Runs inside MicroPython (telemetry_alloc.py, deploy_form.py): the firmware on a board
# stand-in that keeps nothing of its own (so every byte counted is the firmware's).
#   first: the time from here to the first telemetry line written to USB, and the
#          heap the import took (allocated with the collector off; in use after it),
#          then the same for the network's modules, which a board with Wi-Fi imports
#   boot:  the same start with the collector on, as a board runs it: the time to the
#          first telemetry line (and with a small -X heapsize, whether it fits)
#   alloc: bytes allocated per control cycle with telemetry every cycle, and per
#          telemetry line, built as a message then encoded (send(state())) and
#          written straight into the queue (put_written), where the firmware has it
import time

T0 = time.ticks_us()

import gc  # noqa: E402
import sys  # noqa: E402

PERIOD = 1 << 30  # the rp2 port's ticks wrap


class Board:
    name = "bench board"

    def __init__(self):
        self.now = 0
        self.reads = 0
        self.lines = 0
        self.first_tele_us = None

    def read_u16(self):
        self.reads += 1
        return 32768 + (16 if self.reads & 1 else 0)  # a live ADC never repeats itself

    def fan(self, on):
        pass

    def fan_pwm(self, level):
        pass

    def tach_count(self):
        return 0

    def led(self, on):
        pass

    def ticks_ms(self):
        return self.now

    def ticks_add(self, t, d):
        return (t + d) % PERIOD

    def ticks_diff(self, a, b):
        return (a - b + PERIOD // 2) % PERIOD - PERIOD // 2

    def wait(self, ms):
        self.now = (self.now + ms) % PERIOD
        return False

    def read_byte(self):
        return None

    def usb_room(self):
        return 1 << 20

    def usb_write(self, buf):
        if self.first_tele_us is None and b'"tele"' in bytes(buf):
            self.first_tele_us = time.ticks_diff(time.ticks_us(), T0)
        self.lines += 1
        return len(buf)

    def watchdog_start(self, ms):
        pass

    def watchdog_feed(self):
        pass

    def watchdog_stop(self):
        pass

    def reset_cause(self):
        return "power"

    def unique_id(self):
        return "e6614103e7452d2f"

    def random32(self):
        return 0x5EED0001


def imported(module, label):
    # Import `module`: what it allocated with the collector off (the transient peak),
    # and what it holds after a collection.
    gc.collect()
    gc.disable()
    base = gc.mem_alloc()
    __import__(module)
    allocated = gc.mem_alloc() - base
    gc.enable()
    gc.collect()
    print(label + "_allocated_bytes", allocated)
    print(label + "_in_use_bytes", gc.mem_alloc() - base)


def first():
    imported("fanctl.app", "import")
    from fanctl.app import App

    board = Board()
    app = App(board, "/no-such-folder/settings.json")
    app.start()
    while board.first_tele_us is None:
        app.tick()
    print("first_tele_us", board.first_tele_us)
    # What a board with a wifi.json imports on top (Wi-Fi, MQTT, Home Assistant).
    try:
        import socket
    except ImportError:  # (the WebAssembly build has none: an empty one, not counted)
        open(sys.path[0] + "/socket.py", "w").close()
        import socket  # noqa: F401
    imported("fanctl.net", "net_import")


def alloc(n=100):
    from fanctl.app import App

    board = Board()
    app = App(board, "/no-such-folder/settings.json")
    app.settings["interval_ms"] = app.settings["sample_ms"]  # a line every cycle
    app.start()
    done = 0
    while done < n:  # warm up
        done += app.tick()
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    done = 0
    while done < n:
        done += app.tick()
    print("per_cycle_bytes", (gc.mem_alloc() - a0) / n)
    a0 = gc.mem_alloc()
    for _ in range(n):
        app.send(app.state())
    print("per_line_dict_bytes", (gc.mem_alloc() - a0) / n)
    if hasattr(app.out, "put_written"):
        a0 = gc.mem_alloc()
        for _ in range(n):
            app.out.put_written(app.state)
        print("per_line_written_bytes", (gc.mem_alloc() - a0) / n)
    gc.enable()


def boot():
    from fanctl.app import App

    board = Board()
    app = App(board, "/no-such-folder/settings.json")
    app.start()
    while board.first_tele_us is None:
        app.tick()
    print("first_tele_us", board.first_tele_us)


if sys.argv[-1] == "alloc":
    alloc()
elif sys.argv[-1] == "boot":
    boot()
else:
    first()
