"""The host's inverse conversion (degrees C -> ohms -> counts) against the board's
forward one, and fitting a part's Steinhart-Hart constants."""

from fanctl import thermistor
from fanctl.settings import defaults, merge
from picofan.spec import curve

# Published Steinhart-Hart coefficients of a common 10k NTC.
SH = {"model": "steinhart", "sh_a": 1.009249522e-3, "sh_b": 2.378405444e-4,
      "sh_c": 2.019202697e-7}


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol


def test_beta_round_trip_across_range() -> None:
    s = defaults()
    for t in range(-30, 121, 5):
        counts = curve.ohms_to_ratio(curve.c_to_ohms(t, s), 10000.0) * 65535
        got, _, fault = thermistor.measure(counts, s)
        assert fault is None
        assert got is not None and close(got, t, 1e-6), (t, got)


def test_steinhart_round_trip_both_dividers() -> None:
    for divider in ("ntc_to_3v3", "ntc_to_gnd"):
        s = merge(defaults(), {**SH, "divider": divider})
        for t in range(-20, 101, 10):
            got = thermistor.measure(curve.c_to_counts(t, s), s)[0]
            assert got is not None and close(got, t, 0.05), (divider, t, got)


def test_known_resistance_points() -> None:
    # Datasheet-style checks for a 10k B3950 part.
    s = defaults()
    assert close(curve.c_to_ohms(0, s), 33620, 200)
    assert close(curve.c_to_ohms(50, s), 3588, 30)
    assert close(curve.c_to_ohms(100, s), 698, 3)


def test_steinhart_fit_recovers_coefficients() -> None:
    s = merge(defaults(), SH)
    a, b, c = curve.steinhart_fit([(curve.c_to_ohms(t, s), t) for t in (0, 25, 50)])
    assert close(a, SH["sh_a"], 1e-9) and close(b, SH["sh_b"], 1e-10)
    assert close(c, SH["sh_c"], 1e-11)
