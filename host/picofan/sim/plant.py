"""The physics around the thermistor: a heated body the fan cools, the bead
that senses it, ambient air, and a finger that can pinch the bead.

Two thermal nodes, integrated with small explicit steps, and the fan (sim/fan.py)
stepped with them:
- body (heat capacity C_body): heated by P_heat, loses heat to ambient through a
  conductance that grows with the fan's airflow, from G_still (fan stopped) to
  G_fan (full speed): G = G_still + (G_fan - G_still) * airflow ** n, forced
  convection's h ~ v^n;
- bead (C_bead = delta * tau): coupled to the air at the body's temperature through
  its dissipation constant delta (larger as the air moves, the same way), to a
  pinching finger through G_skin, and warmed a little by its own measuring current;
  or, held in a stirred bath (`bath C`: ice water, warm water), following the bath with
  its time constant in stirred water, seconds rather than the body's minutes.
Constants and their sources: docs/simulator.md."""

from __future__ import annotations

from dataclasses import dataclass

from picofan.sim.fan import FanModel, FanParams


@dataclass
class PlantParams:
    ambient_c: float = 22.0
    heat_w: float = 10.0  # the heat source the fan has to carry away
    body_c_per_j: float = 1 / 300.0  # 1 / heat capacity of the body (300 J/K)
    g_still_w_per_k: float = 0.3  # body -> ambient, fan stopped: 55 C at equilibrium
    g_fan_w_per_k: float = 2.6  # body -> ambient, fan at full speed: 25.8 C at equilibrium
    convection_exp: float = 0.8  # forced convection: h ~ airflow^0.8 (turbulent)
    bead_delta_w_per_k: float = 0.002  # dissipation constant, still air (datasheets: 1.5-3 mW/K)
    bead_tau_s: float = 10.0  # thermal time constant, still air (datasheets: 7-15 s)
    fan_bead_factor: float = 2.0  # full airflow doubles the bead's dissipation constant
    skin_c: float = 34.0  # finger skin temperature
    g_skin_w_per_k: float = 0.016  # bead <-> finger: ~1 s to follow a pinch
    start_c: float = 28.0  # body and bead at power-up: warming toward the setpoint
    bead_bath_tau_s: float = 1.5  # time constant in stirred water (datasheets: ~1-2 s)
    step_s: float = 0.01  # integration step (well under the fastest time constant)


class Plant:
    def __init__(self, params: PlantParams | None = None,
                 fan: FanParams | None = None) -> None:
        self.p = params or PlantParams()
        self.fan = FanModel(fan)
        self.body_c = self.p.start_c
        self.bead_c = self.p.start_c
        self.pinched = False
        self.bath_c: float | None = None  # the bead held in a stirred bath at this, or not
        self.self_heat_w = 0.0  # set by the divider from the measuring current
        self.t_s = 0.0

    def cooling(self, airflow: float) -> float:
        """How much of the fan's extra cooling `airflow` (0..1 of full) gives: 0..1."""
        return airflow ** self.p.convection_exp if airflow > 0 else 0.0

    def body_g(self, airflow: float) -> float:
        p = self.p
        return p.g_still_w_per_k + (p.g_fan_w_per_k - p.g_still_w_per_k) * self.cooling(airflow)

    def advance_to(self, t_s: float) -> None:
        """Integrate from the current time to t_s (never backwards)."""
        p = self.p
        fan = self.fan
        c_bead = p.bead_delta_w_per_k * p.bead_tau_s
        while self.t_s < t_s:
            dt = min(p.step_s, t_s - self.t_s)
            fan.step(dt)
            cool = self.cooling(fan.airflow())
            g_body = p.g_still_w_per_k + (p.g_fan_w_per_k - p.g_still_w_per_k) * cool
            body_flow = p.heat_w - g_body * (self.body_c - p.ambient_c)
            delta = p.bead_delta_w_per_k * (1.0 + (p.fan_bead_factor - 1.0) * cool)
            bead_flow = delta * (self.body_c - self.bead_c) + self.self_heat_w
            if self.pinched:
                bead_flow += p.g_skin_w_per_k * (p.skin_c - self.bead_c)
            self.body_c += body_flow * p.body_c_per_j * dt
            if self.bath_c is None:
                self.bead_c += bead_flow / c_bead * dt
            else:  # the water carries far more heat than the air, a finger or the current
                self.bead_c += (self.bath_c - self.bead_c) * min(1.0, dt / p.bead_bath_tau_s)
            self.t_s += dt

    def equilibrium_c(self, airflow: float) -> float:
        """Where the body settles with the fan moving `airflow` (0..1) of its most air."""
        return self.p.ambient_c + self.p.heat_w / self.body_g(airflow)

    def airflow_for(self, body_c: float) -> float | None:
        """The airflow (0..1) that holds the body at body_c; None if none can."""
        p = self.p
        g = p.heat_w / (body_c - p.ambient_c) if body_c > p.ambient_c else float("inf")
        f = (g - p.g_still_w_per_k) / (p.g_fan_w_per_k - p.g_still_w_per_k)
        if not 0.0 <= f <= 1.0:
            return None
        return float(f ** (1 / p.convection_exp))
