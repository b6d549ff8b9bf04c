# The fan itself: its drive on GPIO2 (on/off, or PWM with a kick-start) and its tach
# on GPIO3 (rpm, and the stall fault). Hardware only through `board`:
#   fan(on), fan_pwm(level 0..65535 at the pin), tach_count() -> edges since boot.
from fanctl import const
from fanctl.faults import STALL

# The rp2 port's small ints: ticks_ms() wraps at this period, and the tach count with it
# (the simulator's and the tests' clocks wrap here too).
TICKS_PERIOD = const(1 << 30)
TACH_MASK = const(TICKS_PERIOD - 1)  # tach_count() wraps here: a small int on the board
RPM_WINDOW_MS = const(1000)  # rpm: pulses over whole samples this long at least, per ms
KICK_JUMP = 50.0  # percent: a jump up by more than this kick-starts too
PWM_FULL = const(65535)  # machine.PWM.duty_u16 full scale
_CAP = const(1 << 29)


class Fan:
    def __init__(self, board):
        self.board = board
        self.duty = 100.0  # percent, as driven now (kick-start included)
        self.target = 100.0  # percent, as asked for (at boot: full, the safe state)
        self.kick_left_ms = 0
        self.level = -1  # the PWM level at the pin, -1: the pin is not PWM
        self.last_count = board.tach_count()
        self.pulses = 0  # in the rpm window so far
        self.window_ms = 0
        self.rpm = None  # None: no tach
        self.still_ms = 0  # driven without a tach pulse this long
        self.turning_ms = 0  # tach pulses have kept coming this long
        self.stalled = False

    def measure(self, settings, dt_ms):
        # Count the tach since the last sample: rpm, and the stall fault. -> STALL or None
        count = self.board.tach_count()
        new = (count - self.last_count) & TACH_MASK
        self.last_count = count
        if settings["tach"] != "on":
            self.rpm = None
            self.stalled = False
            self.pulses = self.window_ms = self.still_ms = self.turning_ms = 0
            return None
        self.pulses += new
        self.window_ms += dt_ms
        if self.window_ms >= RPM_WINDOW_MS:
            self.rpm = self.pulses * 60000 // (settings["tach_ppr"] * self.window_ms)
            self.pulses = self.window_ms = 0
        if new:
            self.still_ms = 0
            self.turning_ms = min(self.turning_ms + dt_ms, _CAP)
        elif self.duty > 0:
            self.still_ms = min(self.still_ms + dt_ms, _CAP)
            if self.still_ms >= RPM_WINDOW_MS:
                self.turning_ms = 0
        else:
            # A stopped fan is not stalled, and one starting gets stall_ms to turn.
            self.still_ms = self.turning_ms = 0
        if self.stalled:
            # Over once it has kept turning as long as it took to call it stalled.
            self.stalled = self.turning_ms < settings["stall_ms"]
        else:
            self.stalled = self.still_ms >= settings["stall_ms"]
        return STALL if self.stalled else None

    def drive(self, duty, settings, dt_ms):
        # Drive `duty` percent: full power first for kick_start_ms when the fan starts
        # from stop or jumps up by more than KICK_JUMP.
        if settings["output"] == "switch":
            self.kick_left_ms = 0
            self.level = -1
            self.target = self.duty = 100.0 if duty > 0 else 0.0
            self.board.fan(duty > 0)
            return
        if duty > 0 and (self.target <= 0 or duty - self.target > KICK_JUMP):
            self.kick_left_ms = settings["kick_start_ms"]
        elif self.kick_left_ms > 0:
            self.kick_left_ms -= dt_ms
        if duty <= 0:
            self.kick_left_ms = 0
        self.target = duty
        self.duty = 100.0 if self.kick_left_ms > 0 else duty
        self._pwm(self.duty, settings)

    def kicking(self):
        # True while a kick-start is what drives full power (not the duty asked for).
        return self.kick_left_ms > 0 and self.target < 100.0

    def full(self, settings):
        # The safe state, now, whichever way the fan is wired.
        self.target = self.duty = 100.0
        self.kick_left_ms = 0
        if settings["output"] == "switch":
            self.level = -1
            self.board.fan(True)
        else:
            self._pwm(100.0, settings)

    def _pwm(self, duty, settings):
        level = int(duty * PWM_FULL / 100 + 0.5)
        if settings["pwm_invert"] == "on":
            level = PWM_FULL - level
        if level != self.level:
            self.level = level
            self.board.fan_pwm(level)
