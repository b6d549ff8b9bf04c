"""Calibration accuracy: over 20 seeds (20 virtual boards, each with its own parts: R25,
Beta and the fixed resistor within 1 %, an ADC offset of 0-20 LSB, the RP2040's noise
and E11 wide codes), the worst error of the board's reading over 10..60 degC with the
default settings, and after a 3-point calibration (ice water 0, room 22, warm water 50
degC) taken as `picofan calibrate` takes it.

Each board is the virtual Pico's model (picofan.sim.adc.draw_parts, the same draw as
`picofan sim --seed N`) read by the firmware's own Sampler (fanctl.sampler: 32 reads
averaged per sample, converted by fanctl.thermistor), one sample a telemetry second:
- a point: the bead held at the temperature (a stirred bath), samples fed to
  picofan.calibration.Settling until it is stable; its averaged ohms is the point;
- the fit: picofan.calibration.fit, as pushed;
- the error at a temperature: the mean of 10 readings (10 s) minus the truth, every
  0.5 degC from 10 to 60.
The firmware moves each read off the E11 wide codes (the setting adc_e11_lsb, 9 LSB by
default; the virtual Pico's codes are 8 LSB wide). Two more runs show what that buys:
the same boards with the correction off (adc_e11_lsb 0; a smooth curve cannot follow the
steps), and an ADC without wide codes (dnl_extra_lsb 0), correction off. Chips differ, so
two last runs give the firmware's 9 LSB codes 5 and 12 LSB wide.

    .venv/bin/python benchmarks/calibration.py [SEEDS]
"""

from __future__ import annotations

import random
import statistics
import sys
from typing import Any

from fanctl import settings
from fanctl.sampler import Sampler
from picofan.calibration import Point, Settling, fit
from picofan.sim.adc import AdcParams, Rp2040Adc, draw_parts

POINTS_C = (0.0, 22.0, 50.0)  # ice water, room, warm water
SPAN_C = (10.0, 60.0)
STEP_C = 0.5
READINGS = 10


class Board:
    def __init__(self, seed: int, params: AdcParams) -> None:
        rng = random.Random(seed)
        self.divider, self.adc = draw_parts(settings.defaults(), params, seed, rng)
        self.bead_c = 25.0
        self.sampler = Sampler(self.read_u16)

    def read_u16(self) -> int:
        return Rp2040Adc.to_u16(self.adc.code(self.divider.ratio(self.bead_c)))

    def sample(self, s: dict[str, Any]) -> tuple[float | None, float | None]:
        self.sampler.sample(s)
        return self.sampler.temp, self.sampler.ohms


def take_point(board: Board, reference_c: float, s: dict[str, Any]) -> Point:
    board.bead_c = reference_c
    settling = Settling(s)
    ms = 0
    while not settling.stable:
        ms += s["interval_ms"]
        settling.add(board.sample(s)[1], ms)
    assert settling.ohms is not None
    return Point(reference_c, settling.ohms)


def worst_error(board: Board, s: dict[str, Any]) -> float:
    worst = 0.0
    steps = round((SPAN_C[1] - SPAN_C[0]) / STEP_C)
    for k in range(steps + 1):
        board.bead_c = SPAN_C[0] + STEP_C * k
        temps = [board.sample(s)[0] for _ in range(READINGS)]
        assert all(t is not None for t in temps)
        mean = sum(t for t in temps if t is not None) / READINGS
        worst = max(worst, abs(mean - board.bead_c))
    return worst


def run(seeds: int, params: AdcParams, firmware: dict[str, Any]
        ) -> tuple[list[float], list[float]]:
    before, after = [], []
    nominal = settings.merge(settings.defaults(), firmware)
    for seed in range(1, seeds + 1):
        board = Board(seed, params)
        before.append(worst_error(board, nominal))
        points = [take_point(board, c, nominal) for c in POINTS_C]
        calibrated = settings.merge(nominal, fit(points, nominal).changes)
        after.append(worst_error(board, calibrated))
    return before, after


def line(name: str, values: list[float]) -> str:
    return (f"  {name:<7} worst {max(values):.3f}  median {statistics.median(values):.3f}  "
            f"best {min(values):.3f} degC")


def main() -> None:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"calibration: worst |reading - truth| over {SPAN_C[0]:g}..{SPAN_C[1]:g} degC per "
          f"board, {seeds} seeds, 3 points at {', '.join(f'{c:g}' for c in POINTS_C)} degC")
    no_correction = {"adc_e11_lsb": 0.0}
    for label, params, firmware in (
            ("virtual Pico (E11 wide codes, offset, 1 % parts), the firmware's defaults",
             AdcParams(), {}),
            ("the same, the firmware's E11 correction off (adc_e11_lsb 0)",
             AdcParams(), no_correction),
            ("an ADC without the E11 wide codes, correction off",
             AdcParams(dnl_extra_lsb=0.0), no_correction),
            # chips differ: the firmware's 9 LSB against narrower and wider codes
            ("wide codes 5 LSB wider, the firmware's defaults",
             AdcParams(dnl_extra_lsb=5.0), {}),
            ("wide codes 12 LSB wider, the firmware's defaults",
             AdcParams(dnl_extra_lsb=12.0), {})):
        before, after = run(seeds, params, firmware)
        print(label)
        print(line("before", before))
        print(line("after", after))
        under = sum(1 for v in after if v < 0.1)
        print(f"  after a calibration, {under} of {seeds} boards under 0.1 degC")


if __name__ == "__main__":
    main()
