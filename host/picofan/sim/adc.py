"""The divider and the RP2040's ADC, as the firmware sees them through read_u16().

- Divider: the thermistor (its own R25 and B, within tolerance of the nominal
  part) and the fixed resistor (within its tolerance), wired as on the board.
- ADC: 12 bits over 0..ADC_VREF (ratiometric with the divider's 3V3), Gaussian
  input-referred noise (~1.2 LSB RMS, ENOB about 9 bits), and the RP2040-E11
  differential non-linearity: codes 512, 1536, 2560 and 3584 are several LSB
  wide, so readings near them stick. read_u16() scales the 12-bit code to 16
  bits as MicroPython does: (code << 4) | (code >> 8).
See shared/reference/rp2040-adc.md and docs/simulator.md."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from fanctl import faults, thermistor
from picofan.spec import curve

CODES = 4096
DNL_CODES = thermistor.E11_CODES


@dataclass
class AdcParams:
    noise_lsb: float = 1.2  # RMS, input-referred (1.0 PFM .. 1.4 PWM measured)
    dnl_extra_lsb: float = 8.0  # how much wider than 1 LSB the E11 codes are
    r_fixed_tolerance: float = 0.01  # 1 % resistor
    r25_tolerance: float = 0.01  # 1 % thermistor
    beta_tolerance: float = 0.01
    offset_lsb: tuple[float, float] = (0.0, 20.0)  # the range a board's offset is drawn in


def draw_offset_lsb(p: AdcParams, seed: int) -> float:
    """A board's ADC offset, LSB: one per seed, from its own stream so the parts and the
    noise drawn from the board's `rng` stay what they were per seed."""
    return random.Random(f"adc offset {seed}").uniform(*p.offset_lsb)


class Rp2040Adc:
    """A 12-bit SAR ADC with noise and the E11 wide codes."""

    def __init__(self, params: AdcParams, rng: random.Random, offset_lsb: float = 0.0) -> None:
        self.p = params
        self.rng = rng
        self.offset_lsb = offset_lsb
        # Upper edge of every code, in LSB of the ideal input. The wide codes push
        # everything above them; rescale so full scale still lands on code 4095.
        width = [1.0] * CODES
        for c in DNL_CODES:
            width[c] += params.dnl_extra_lsb
        scale = CODES / sum(width)
        edges, acc = [], 0.0
        for w in width:
            acc += w * scale
            edges.append(acc)
        self.edges = edges

    def code(self, ratio: float) -> int:
        """The 12-bit code for an input at `ratio` of the reference."""
        x = ratio * CODES + self.offset_lsb + self.rng.gauss(0.0, self.p.noise_lsb)
        return min(CODES - 1, max(0, bisect_right(self.edges, x)))

    @staticmethod
    def to_u16(code: int) -> int:
        u16: int = thermistor.u16(code)
        return u16


@dataclass
class Divider:
    """The real parts on the breadboard: values drawn once within tolerance."""

    r_fixed: float
    r0: float
    t0: float
    beta: float
    ntc_to_3v3: bool = True

    @classmethod
    def from_nominal(cls, nominal: dict[str, Any], p: AdcParams, rng: random.Random) -> Divider:
        def within(value: float, tol: float) -> float:
            return value * (1 + rng.uniform(-tol, tol))

        return cls(
            r_fixed=within(nominal["r_fixed"], p.r_fixed_tolerance),
            r0=within(nominal["r0"], p.r25_tolerance),
            t0=nominal["t0"],
            beta=within(nominal["beta"], p.beta_tolerance),
            ntc_to_3v3=nominal["divider"] == "ntc_to_3v3",
        )

    def ntc_ohms(self, t_c: float) -> float:
        return curve.c_to_beta_ohms(t_c, self.r0, self.t0, self.beta)

    def ratio(self, t_c: float, fault: str | None = None) -> float:
        """Divider output over its supply; an open or shorted thermistor hits a rail."""
        if fault == faults.OPEN:
            return 0.0 if self.ntc_to_3v3 else 1.0
        if fault == faults.SHORT:
            return 1.0 if self.ntc_to_3v3 else 0.0
        return curve.ohms_to_ratio(self.ntc_ohms(t_c), self.r_fixed, self.ntc_to_3v3)

    def self_heat_w(self, t_c: float, volts: float = 3.3) -> float:
        r = self.ntc_ohms(t_c)
        i = volts / (r + self.r_fixed)
        return i * i * r


def draw_parts(nominal: dict[str, Any], p: AdcParams, seed: int,
               rng: random.Random) -> tuple[Divider, Rp2040Adc]:
    """One board's divider and ADC as the virtual Pico draws them for `seed`: the parts
    from `rng` (the board's random stream, its ADC noise after them), the offset apart."""
    divider = Divider.from_nominal(nominal, p, rng)
    return divider, Rp2040Adc(p, rng, draw_offset_lsb(p, seed))
