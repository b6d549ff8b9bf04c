"""The RP2040 port of MicroPython computes in single-precision floats (the
WebAssembly build uses doubles), so replay the conversion in float32 here."""

import numpy as np

from fanctl import thermistor
from fanctl.settings import defaults, merge

F32 = np.float32


def measure_f32(counts: int, s: dict) -> float | None:
    s32 = {k: F32(v) if isinstance(v, float) else v for k, v in s.items()}
    saved = thermistor.log
    thermistor.log = np.log  # float32 in, float32 out
    try:
        t, _, _ = thermistor.measure(F32(counts), s32)
    finally:
        thermistor.log = saved
    assert t is None or (isinstance(t, np.floating) and t.dtype == np.float32)
    return None if t is None else float(t)


def worst_error(s: dict) -> float:
    worst = 0.0
    for code in range(0, 4096):  # every 12-bit code, scaled as read_u16() does
        counts = thermistor.u16(code)
        t64 = thermistor.measure(counts, s)[0]
        if t64 is None or not -20 <= t64 <= 100:
            continue
        t32 = measure_f32(counts, s)
        assert t32 is not None
        worst = max(worst, abs(t32 - t64))
    return worst


def test_beta_conversion_holds_in_float32() -> None:
    assert worst_error(defaults()) < 0.05


def test_steinhart_conversion_holds_in_float32() -> None:
    s = merge(defaults(), {"model": "steinhart", "sh_a": 1.009249522e-3,
                           "sh_b": 2.378405444e-4, "sh_c": 2.019202697e-7})
    assert worst_error(s) < 0.05


def test_averaged_counts_hold_in_float32() -> None:
    # Oversampled counts are not multiples of 16: check between the codes too.
    s = defaults()
    for counts in range(2000, 63000, 37):
        t64 = thermistor.measure(counts, s)[0]
        if t64 is not None and -20 <= t64 <= 100:
            assert abs(measure_f32(counts, s) - t64) < 0.05
