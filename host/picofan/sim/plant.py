"""The physics around the thermistor: a heated body the fan cools, the bead
that senses it, ambient air, and a finger that can pinch the bead.

Two thermal nodes, integrated with small explicit steps:
- body (heat capacity C_body): heated by P_heat, loses heat to ambient through
  G_still (fan off) or G_fan (fan on, forced convection);
- bead (C_bead = delta * tau): coupled to the air at the body's temperature through
  its dissipation constant delta (larger with the fan blowing), to a pinching finger
  through G_skin, and warmed a little by its own measuring current.
Constants and their sources: docs/simulator.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PlantParams:
    ambient_c: float = 22.0
    heat_w: float = 10.0  # the heat source the fan has to carry away
    body_c_per_j: float = 1 / 300.0  # 1 / heat capacity of the body (300 J/K)
    g_still_w_per_k: float = 0.8  # body -> ambient, fan off: 34.5 C at equilibrium
    g_fan_w_per_k: float = 3.0  # body -> ambient, fan on: 25.3 C at equilibrium
    bead_delta_w_per_k: float = 0.002  # dissipation constant, still air (datasheets: 1.5-3 mW/K)
    bead_tau_s: float = 10.0  # thermal time constant, still air (datasheets: 7-15 s)
    fan_bead_factor: float = 2.0  # forced air raises the bead's dissipation constant
    skin_c: float = 34.0  # finger skin temperature
    g_skin_w_per_k: float = 0.016  # bead <-> finger: ~1 s to follow a pinch
    start_c: float = 28.0  # body and bead at power-up: warming toward the setpoint
    step_s: float = 0.01  # integration step (well under the fastest time constant)


class Plant:
    def __init__(self, params: PlantParams | None = None) -> None:
        self.p = params or PlantParams()
        self.body_c = self.p.start_c
        self.bead_c = self.p.start_c
        self.fan = False
        self.pinched = False
        self.self_heat_w = 0.0  # set by the divider from the measuring current
        self.t_s = 0.0

    def advance_to(self, t_s: float) -> None:
        """Integrate from the current time to t_s (never backwards)."""
        p = self.p
        c_bead = p.bead_delta_w_per_k * p.bead_tau_s
        while self.t_s < t_s:
            dt = min(p.step_s, t_s - self.t_s)
            g_body = p.g_fan_w_per_k if self.fan else p.g_still_w_per_k
            body_flow = p.heat_w - g_body * (self.body_c - p.ambient_c)
            delta = p.bead_delta_w_per_k * (p.fan_bead_factor if self.fan else 1.0)
            bead_flow = delta * (self.body_c - self.bead_c) + self.self_heat_w
            if self.pinched:
                bead_flow += p.g_skin_w_per_k * (p.skin_c - self.bead_c)
            self.body_c += body_flow * p.body_c_per_j * dt
            self.bead_c += bead_flow / c_bead * dt
            self.t_s += dt

    def equilibrium_c(self, fan: bool) -> float:
        g = self.p.g_fan_w_per_k if fan else self.p.g_still_w_per_k
        return self.p.ambient_c + self.p.heat_w / g
