# Fan control: hysteresis band, minimum on/off times, modes, fail-safe.
# No clock of its own: the caller says how many ms passed since the last
# update, so the same code runs on the board, in tests and in the simulator.

from fanctl import const

# held_ms stops counting here: long past any minimum time, and still a small int
# on MicroPython (no heap allocation however long the board runs).
_HELD_CAP = const(1 << 29)


def thresholds(settings):
    # -> (off at or below, on at or above), degC
    half = settings["hysteresis"] / 2
    return settings["setpoint"] - half, settings["setpoint"] + half


class Controller:
    def __init__(self):
        self.fan = True  # safe until the first good reading says otherwise
        self.held_ms = _HELD_CAP  # time in the current state: free to switch at boot
        self.switches = 0

    def _set(self, on):
        if on != self.fan:
            self.fan = on
            self.held_ms = 0
            self.switches += 1

    def update(self, temp, fault, settings, dt_ms):
        # temp: degC or None; fault: None or a fault name. Returns the fan state.
        self.held_ms = min(self.held_ms + dt_ms, _HELD_CAP)
        mode = settings["mode"]
        if fault is not None:
            self._set(True)  # fail-safe overrides every timer and mode
            # ...and the minimum on-time counts from the last bad reading, so a loose
            # wire keeps the fan on instead of cycling it at every dropout.
            self.held_ms = 0
        elif mode == "on":
            self._set(True)
        elif mode == "off":
            self._set(False)
        else:
            off_at, on_at = thresholds(settings)
            if self.fan:
                if temp <= off_at and self.held_ms >= settings["min_on_ms"]:
                    self._set(False)
            elif temp >= on_at and self.held_ms >= settings["min_off_ms"]:
                self._set(True)
        return self.fan
