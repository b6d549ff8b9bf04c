# Fan control: the duty auto mode asks for (hysteresis band, linear curve or PID),
# modes, minimum on/off times, the fan's limits and the fail-safe. No clock of its
# own: the caller says how many ms passed since the last update, so the same code
# runs on the board, in tests and in the simulator.

from fanctl import const

# held_ms stops counting here: long past any minimum time, and still a small int
# on MicroPython (no heap allocation however long the board runs).
_HELD_CAP = const(1 << 29)
FULL = 100.0  # percent duty
# The PID's derivative is smoothed over this long: the bead's noise, differentiated
# over one 100 ms sample, would otherwise rattle the fan (Klipper smooths over 2 s too).
DERIV_SMOOTH_MS = const(2000)


def thresholds(settings):
    # -> (off at or below, on at or above), degC
    half = settings["hysteresis"] / 2
    return settings["setpoint"] - half, settings["setpoint"] + half


def _clamp(value, lo, hi):
    return lo if value < lo else hi if value > hi else value


def curve(temp, settings):
    # -> demand, percent: 0 at curve_low, rising linearly to 100 at curve_high.
    low = settings["curve_low"]
    return _clamp(FULL * (temp - low) / (settings["curve_high"] - low), 0.0, FULL)


class Pid:
    # PID on the temperature, for a fan: error = temperature - setpoint, so a positive
    # error (too hot) asks for more air and every gain is positive. Anti-windup as in
    # Klipper: the integral term alone stays within 0..100 %, and it does not integrate
    # while the duty the fan really gets is pinned away from the output in the direction
    # of the error. "Really gets" counts every limit: min_duty and max_duty, off_below's
    # stop and the minimum on/off times, which only the Controller knows; so update()
    # proposes the integral and applied() keeps it or not.
    def __init__(self):
        self.integral = 0.0  # the integral term itself, % duty (so a new ki never jumps)
        self.rate = 0.0  # degC/s, smoothed
        self.last_temp = None
        self._out = 0.0  # this sample's output, unclamped
        self._proposed = 0.0  # this sample's integral, if the fan follows the output

    def update(self, temp, settings, dt_ms):
        err = temp - settings["setpoint"]
        dt_s = dt_ms / 1000
        if self.last_temp is None or dt_ms <= 0:
            self.rate = 0.0
        else:
            # On the measurement, not the error: a new setpoint moves P and I, not D.
            k = dt_ms / DERIV_SMOOTH_MS if dt_ms < DERIV_SMOOTH_MS else 1.0
            self.rate += k * ((temp - self.last_temp) / dt_s - self.rate)
        self.last_temp = temp
        self._proposed = _clamp(self.integral + settings["pid_ki"] * err * dt_s, 0.0, FULL)
        self._out = settings["pid_kp"] * err + self._proposed + settings["pid_kd"] * self.rate
        return _clamp(self._out, 0.0, FULL)

    def applied(self, duty):
        # The duty the fan got this sample. Integrate unless that moves the output
        # further from it: a fan held at min_duty, stopped, or held by a minimum time
        # would otherwise wind the integral against a limit it cannot pass.
        step = self._proposed - self.integral
        if not ((self._out < duty and step < 0) or (self._out > duty and step > 0)):
            self.integral = self._proposed

    def pause(self):
        # Not in charge this sample: the derivative starts afresh when it is again.
        self.last_temp = None


class Controller:
    def __init__(self):
        self.fan = True  # safe until the first good reading says otherwise
        self.held_ms = _HELD_CAP  # time in the current state: free to switch at boot
        self.switches = 0  # stops and starts
        self.pid = Pid()

    def _set(self, on):
        if on != self.fan:
            self.fan = on
            self.held_ms = 0
            self.switches += 1

    def update(self, temp, fault, settings, dt_ms):
        # temp: degC or None; fault: None or a fault name. Returns the duty, percent
        # (0: stopped; 100 on a switch output whenever the fan runs).
        self.held_ms = min(self.held_ms + dt_ms, _HELD_CAP)
        mode = settings["mode"]
        control = settings["control"]
        if fault is not None or mode != "auto" or control != "pid":
            self.pid.pause()
        if fault is not None:
            self._set(True)  # fail-safe: full power, over every timer, mode and limit
            # ...and the minimum on-time counts from the last bad reading, so a loose
            # wire keeps the fan on instead of cycling it at every dropout.
            self.held_ms = 0
            return FULL
        if mode == "on":
            demand = settings["manual_duty"]
        elif mode == "off":
            demand = 0.0
        elif control == "hysteresis":
            off_at, on_at = thresholds(settings)
            demand = FULL if (temp > off_at if self.fan else temp >= on_at) else 0.0
        elif control == "curve":
            demand = curve(temp, settings)
        else:
            demand = self.pid.update(temp, settings, dt_ms)
        run = demand > 0 and demand >= settings["off_below"]
        # In auto mode every stop and start waits out the minimum times (no short
        # cycling); a mode the user picks applies at once.
        if mode == "auto" and run != self.fan and self.held_ms < (
                settings["min_on_ms"] if self.fan else settings["min_off_ms"]):
            run = self.fan
        self._set(run)
        if not run:
            duty = 0.0
        elif settings["output"] == "switch":
            duty = FULL
        else:
            duty = _clamp(demand, settings["min_duty"], settings["max_duty"])
        if mode == "auto" and control == "pid":
            self.pid.applied(duty)
        return duty
