"""The virtual Pico's fan: a 4-wire PC fan on GPIO2, with its tach on GPIO3.

One model for both simulators (the virtual Pico, sim/pico.py, and the CPython rig,
sim/rig.py); the plant (sim/plant.py) steps it and cools with its airflow.

The wiring:
- GPIO2 as a digital output: high powers the fan fully (100 %), low leaves it
  unpowered (the switch output: a transistor in the fan's supply);
- GPIO2 as PWM: an inverting open-drain stage pulls the fan's PWM line low while
  the pin is high, so the fan sees a duty of 1 - level/65535;
- GPIO2 not driven (the board unpowered or in reset): the gate pull-down holds the
  transistor off. Through the switch, the fan stops; through the PWM stage, the
  fan's own pull-up holds its PWM line high, and an undriven 4-wire fan runs at
  full speed (Intel's 4-wire specification, 3.3).

The fan: its speed follows the duty (rpm = max_rpm * duty, as the 4-wire
specification asks within 10 %), through first-order inertia, slower to coast
down than to spin up. A stopped rotor needs start_duty to get going; a turning
one keeps going down to run_duty; below that the motor stops driving and the
rotor coasts to a stop. The tach gives tach_ppr falling edges a revolution while
the fan's electronics have power (always through the PWM stage, only while
switched on through the switch); a locked rotor gives none.
Constants and their sources: docs/simulator.md."""

from __future__ import annotations

from dataclasses import dataclass

from fanctl.fan import PWM_FULL, TACH_MASK


@dataclass
class FanParams:
    max_rpm: float = 2500.0  # at 100 % duty (120 mm PC fans: 1500-3000 rpm)
    start_duty: float = 30.0  # % a stopped rotor needs to start
    run_duty: float = 15.0  # % a turning rotor keeps turning down to
    spin_up_s: float = 1.0  # time constant while the motor speeds the rotor up
    spin_down_s: float = 3.0  # ...and while it slows (drag and friction only: slower)
    stop_rpm: float = 60.0  # coasting, undriven, the rotor stops below this
    tach_ppr: int = 2  # tach pulses per revolution (the 4-wire specification's 2)


class FanModel:
    """The fan, stepped by the plant. What the pin does: pin_digital(), pin_pwm(),
    pin_floating(); what the world does: lock(); what the firmware reads: tach_count."""

    def __init__(self, params: FanParams | None = None) -> None:
        self.p = params or FanParams()
        self.duty = 0.0  # percent, as the fan sees it at its supply and PWM input
        self.powered = False  # the fan's electronics (motor driver, tach) have power
        self.through_pwm = False  # the pin last drove the PWM stage (which circuit it is)
        self.rpm = 0.0
        self.locked = False  # something holds the rotor: no turning, no tach
        self.tach_count = 0  # falling edges on the tach line since start, wrapping at 2**30
        self._edge_part = 0.0  # the fraction of an edge turned so far

    # -- GPIO2, through the virtual Pico's wiring ----------------------------------------
    def pin_digital(self, high: bool) -> None:
        self.through_pwm = False
        self.powered = bool(high)
        self.duty = 100.0 if high else 0.0

    def pin_pwm(self, level: int) -> None:
        self.through_pwm = self.powered = True
        level = min(PWM_FULL, max(0, int(level)))
        self.duty = 100.0 * (PWM_FULL - level) / PWM_FULL

    def pin_floating(self) -> None:
        # The board unpowered: the PWM stage lets go (full speed), the switch opens.
        if self.through_pwm:
            self.powered, self.duty = True, 100.0
        else:
            self.powered, self.duty = False, 0.0

    def lock(self, locked: bool) -> None:
        self.locked = locked
        if locked:
            self.rpm = 0.0

    # -- the rotor and the tach -------------------------------------------------------
    def driving(self) -> bool:
        """Whether the motor drives the rotor now (start and run duty, a locked rotor)."""
        p = self.p
        if not self.powered or self.locked:
            return False
        return self.duty >= p.start_duty or (self.duty >= p.run_duty and self.rpm > 0)

    def target_rpm(self) -> float:
        return self.p.max_rpm * self.duty / 100 if self.driving() else 0.0

    def step(self, dt_s: float) -> None:
        p = self.p
        if self.locked:
            self.rpm = 0.0
            return
        target = self.target_rpm()
        tau = p.spin_up_s if target > self.rpm else p.spin_down_s
        self.rpm += (target - self.rpm) * min(1.0, dt_s / tau)
        if target == 0.0 and self.rpm < p.stop_rpm:
            self.rpm = 0.0
        if self.powered and self.rpm > 0:
            self._edge_part += self.rpm / 60 * p.tach_ppr * dt_s
            edges = int(self._edge_part)
            if edges:
                self._edge_part -= edges
                self.tach_count = (self.tach_count + edges) & TACH_MASK

    def airflow(self) -> float:
        """Air moved, as a fraction of the most the fan moves (airflow goes with rpm)."""
        return self.rpm / self.p.max_rpm

    def steady_rpm(self, duty: float) -> float:
        """The rpm a turning fan settles at for `duty` (0 below the run duty)."""
        return self.p.max_rpm * duty / 100 if duty >= self.p.run_duty else 0.0
