"""The resolution part of benchmarks/control_quality.py: the temperature the firmware
reports with the bead held still (only the divider and the ADC move), and the
quantisation step of the 12-bit ADC."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
from pathlib import Path

from control_quality_runs import DEFAULTS

from fanctl import settings
from fanctl.app import App
from picofan.sim.adc import CODES, AdcParams, Divider, Rp2040Adc
from picofan.sim.clock import SimClock
from picofan.sim.plant import Plant
from picofan.sim.rig import InProcessBoard, NullPort
from picofan.spec import curve


# -- resolution -----------------------------------------------------------------------
class FixedPlant(Plant):
    """The bead held at one temperature: only the divider and the ADC move."""

    def __init__(self, t_c: float) -> None:
        super().__init__()
        self.bead_c = self.body_c = t_c

    def advance_to(self, t_s: float) -> None:
        self.t_s = t_s


def reported_sigma(t_c: float, oversample: int, seed: int, n: int = 2000) -> tuple[float, float]:
    """(sigma, mean - true) of the temperature in the firmware's telemetry at
    its default rate (1 line/s), with `oversample` reads per sample."""
    rng = random.Random(seed)
    params = AdcParams()
    divider = Divider.from_nominal(DEFAULTS, params, rng)
    port = NullPort()
    board = InProcessBoard(FixedPlant(t_c), divider, Rp2040Adc(params, rng), port, SimClock(0),
                     lambda ms: None)
    with tempfile.TemporaryDirectory() as flash:
        app = App(board, str(Path(flash) / "settings.json"))
        app.settings = settings.merge(app.settings, {"oversample": oversample})
        app.start()
        while sum(1 for line in port.lines if '"tele"' in line) < n:
            for _ in range(100):
                app.tick()
    temps = [json.loads(x)["temp"] for x in port.lines if '"tele"' in x][:n]
    return statistics.pstdev(temps), statistics.fmean(temps) - t_c


def quantisation_step(t_c: float) -> float:
    """Degrees C per 12-bit ADC code at t_c (nominal parts)."""
    s = DEFAULTS
    lo = curve.ohms_to_ratio(curve.c_to_ohms(t_c - 0.5, s), s["r_fixed"])
    hi = curve.ohms_to_ratio(curve.c_to_ohms(t_c + 0.5, s), s["r_fixed"])
    return 1.0 / (abs(hi - lo) * CODES)
