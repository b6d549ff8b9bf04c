"""The 4-wire PWM fan: its parts' values and the datasheet figures that choose
them, and what they make of the PWM stage and the tach input.

GP2 drives an NPN whose collector pulls the fan's PWM line (pin 4) low: open
collector, as the Intel spec asks of a controller. The fan pulls that line up
inside itself, to as much as 5.25 V, which the RP2040's pins must never see.
The stage inverts: pin high = line low = fan slow (`pwm_invert` on).
The tach (pin 3) is the fan's open collector, pulled up here to 3V3: so the
GPIO never sees more than 3V3, though the fan runs on 12 V."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fanctl import pins
from fanctl.settings import SPEC
from wiring.calc import R_PULLDOWN, VDD

NPN = "2N3904"  # TO-92, fits a breadboard
NPN_SMD = "MMBT3904"  # the same die in SOT-23
NFET_ALT = "2N7002"  # a logic-level N-MOSFET that also does (SOT-23)
R_BASE = 1e3  # ohms, GP2 -> base
R_BASE_PULLDOWN = R_PULLDOWN  # ohms, base -> GND: the stage off whatever GP2 does
R_TACH_PULLUP = 10e3  # ohms, tach -> 3V3
R_TACH_SERIES = 1e3  # ohms, tach -> GP3
C_TACH = 10e-9  # farads, GP3 -> GND: with R_TACH_SERIES, the optional RC
FAN_CONNECTOR = (  # the 4-pin fan connector (Intel spec): pin, what, usual wire colour
    (1, "GND", "black"),
    (2, "+12 V", "yellow"),
    (3, "tach", "green"),
    (4, "PWM", "blue"),
)
FAN_MAX_RPM = 10000  # the fastest fan this is sized for: 120 mm PC fans run to ~3000

# Intel, 4-Wire Pulse Width Modulation (PWM) Controlled Fans, rev. 1.3 (2005).
SPEC_PWM_VIL = 0.8  # V: the fan reads the PWM line as low below this
SPEC_PWM_VMAX = 5.25  # V: the fan's pull-up on the PWM line, at most (open circuit)
SPEC_PWM_IMAX_MA = 5.0  # mA: what that pull-up sources, at most (short circuit)
SPEC_SINK_MA = 8.0  # mA a controller should sink (5 required, 8 recommended)
SPEC_PWM_HZ = (21000, 28000)  # the PWM frequencies a fan must accept

# RP2040 datasheet, GPIO at IOVDD = 3.3 V.
GPIO_VIL = 0.8  # V, input low at most
GPIO_VIH = 2.0  # V, input high at least
GPIO_HYSTERESIS = 0.2  # V, at least, with the Schmitt trigger (on at reset)
GPIO_VOH_MIN = 2.62  # V, output high at the drive current
GPIO_PULL_OHMS = (50e3, 80e3)  # the pads' own pull-up and pull-down

# 2N3904 datasheet (onsemi): saturation and switching at IC 10 mA, IB 1 mA.
NPN_VBE_SAT = (0.65, 0.85)  # V
NPN_VCE_SAT = 0.2  # V, at most
NPN_SAT_BETA = 10  # the IC/IB those saturation figures hold at
NPN_VCEO = 40.0  # V
NPN_SWITCH_NS = (35 + 35, 200 + 50)  # turn-on (td + tr), turn-off (ts + tf), at most


@dataclass(frozen=True)
class PwmStage:
    """The NPN pulling the fan's PWM line low, sized from the datasheets."""

    base_ma_min: float  # a weak pin high, the base at its highest Vbe
    base_ma_max: float  # what the pin ever gives (its default drive is 4 mA)
    forced_beta: float  # the recommended sink over the least base current
    line_low_v: float  # the PWM line with the NPN on
    line_margin_v: float  # how far under the spec's 0.8 V that is
    sink_ma: float  # the collector current: the fan's pull-up, at most
    dissipation_mw: float  # in the NPN, on, worst case
    period_us: float  # of the PWM
    turn_off_pct: float  # the datasheet's turn-off time, as a share of one period
    fet_max_ohms: float  # the most on-resistance a MOSFET there may have


def pwm_stage() -> PwmStage:
    vbe_low, vbe_high = NPN_VBE_SAT
    base_min = (GPIO_VOH_MIN - vbe_high) / R_BASE - vbe_high / R_BASE_PULLDOWN
    base_max = (VDD - vbe_low) / R_BASE
    period_us = 1e6 / pins.PWM_HZ
    return PwmStage(
        base_ma_min=base_min * 1000,
        base_ma_max=base_max * 1000,
        forced_beta=SPEC_SINK_MA / (base_min * 1000),
        line_low_v=NPN_VCE_SAT,
        line_margin_v=SPEC_PWM_VIL - NPN_VCE_SAT,
        sink_ma=SPEC_PWM_IMAX_MA,
        dissipation_mw=SPEC_PWM_IMAX_MA * NPN_VCE_SAT + base_max * 1000 * vbe_high,
        period_us=period_us,
        turn_off_pct=NPN_SWITCH_NS[1] / 1000 / period_us * 100,
        fet_max_ohms=SPEC_PWM_VIL / (SPEC_PWM_IMAX_MA / 1000),
    )


@dataclass(frozen=True)
class TachInput:
    """The tach line into GP3: levels, edges and the RC, from the parts above."""

    pullup_ma: float  # into the fan's open collector while it is on (tach low)
    pin_pullup_ma: float  # the pin's own pull-up, through the series resistor, at most
    offset_v: float  # which that lifts GP3 above the tach line while low
    collector_max_v: float  # the most the fan's collector may be at and still read low
    high_v: float  # GP3 with the collector off: never above the 3V3 rail
    rise_tau_us: float  # the collector off: 3V3 charges C through both resistors
    rise_to_vih_us: float
    rise_10_90_us: float
    fall_tau_us: float  # the collector on: C empties through the series resistor
    fall_to_vil_us: float  # also the shortest low pulse GP3 can see: glitches are less
    corner_hz: float  # the RC, series resistor and capacitor
    rise_corner_hz: float  # the slow side: the pull-up, series resistor and capacitor
    max_tach_hz: float  # FAN_MAX_RPM at the default pulses per revolution
    max_tach_hz_any_ppr: float  # and at the most the `tach_ppr` setting allows
    max_passed_hz: float  # the fastest tach the RC still lets reach both levels


def tach_ppr_range() -> tuple[int, int]:
    """The `tach_ppr` setting's default and its upper limit, from the settings table."""
    row = next(r for r in SPEC if r[0] == "tach_ppr")
    return row[1], row[3]


def tach_input() -> TachInput:
    pin_pullup = VDD / (GPIO_PULL_OHMS[0] + R_TACH_SERIES)
    offset = pin_pullup * R_TACH_SERIES
    rise_tau = (R_TACH_PULLUP + R_TACH_SERIES) * C_TACH
    fall_tau = R_TACH_SERIES * C_TACH
    rise_to_vih = rise_tau * math.log(VDD / (VDD - GPIO_VIH))
    fall_to_vil = fall_tau * math.log(VDD / GPIO_VIL)
    ppr, ppr_max = tach_ppr_range()
    return TachInput(
        pullup_ma=VDD / R_TACH_PULLUP * 1000,
        pin_pullup_ma=pin_pullup * 1000,
        offset_v=offset,
        collector_max_v=GPIO_VIL - offset,
        high_v=VDD,
        rise_tau_us=rise_tau * 1e6,
        rise_to_vih_us=rise_to_vih * 1e6,
        rise_10_90_us=rise_tau * math.log(9) * 1e6,
        fall_tau_us=fall_tau * 1e6,
        fall_to_vil_us=fall_to_vil * 1e6,
        corner_hz=1 / (2 * math.pi * fall_tau),
        rise_corner_hz=1 / (2 * math.pi * rise_tau),
        max_tach_hz=FAN_MAX_RPM * ppr / 60,
        max_tach_hz_any_ppr=FAN_MAX_RPM * ppr_max / 60,
        max_passed_hz=1 / (2 * max(rise_to_vih, fall_to_vil)),
    )


def rpm_at(hz: float, ppr: int | None = None) -> float:
    """The rpm a tach frequency means at `ppr` pulses per revolution (default: the setting's)."""
    return hz * 60 / (ppr or tach_ppr_range()[0])
