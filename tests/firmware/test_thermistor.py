# runs on MicroPython too
from fanctl import thermistor as th
from fanctl.settings import defaults, merge
from scripted_board import counts_for
from support import close


def test_midscale_is_25c():
    # Equal resistors at 25 C: the divider sits at half scale.
    t, ohms, fault = th.measure(32768, defaults())
    assert fault is None
    assert close(ohms, 10000, 2)
    assert close(t, 25.0, 0.01)


def test_warmer_reads_higher_counts():
    s = defaults()
    assert counts_for(40, s) > counts_for(25, s) > counts_for(0, s)


def test_known_resistance_points():
    # Datasheet-style checks for a 10k B3950 part, the board's way: ohms -> degrees C.
    s = defaults()
    assert close(th.ohms_to_c(33620, s), 0, 0.15)
    assert close(th.ohms_to_c(3588, s), 50, 0.15)
    assert close(th.ohms_to_c(698, s), 100, 0.15)


# Published Steinhart-Hart coefficients of a common 10k NTC.
SH = {"model": "steinhart", "sh_a": 1.009249522e-3, "sh_b": 2.378405444e-4,
      "sh_c": 2.019202697e-7}


def test_steinhart_defaults_equal_the_beta_curve():
    s = defaults()
    sh = merge(s, {"model": "steinhart"})
    for t in (-20, 0, 25, 40, 80):
        assert close(th.measure(counts_for(t, s), sh)[0], t, 0.01), t


def test_steinhart_coefficients_are_used():
    s = merge(defaults(), SH)
    for t in (0, 10, 25, 40, 50):
        assert close(th.measure(counts_for(t, s), s)[0], t, 0.05), t
    # 10k at 25 C is the curve's anchor whichever model: the constants make the difference
    assert not close(th.ohms_to_c(3000, s), th.ohms_to_c(3000, defaults()), 0.05)


def test_open_and_short_thermistor():
    s = defaults()
    assert th.measure(0, s) == (None, None, "open")
    assert th.measure(300, s)[2] == "open"
    assert th.measure(65535, s) == (None, None, "short")
    assert th.measure(65300, s)[2] == "short"


def test_divider_flipped():
    # NTC to ground: cold reads high, open reads full scale.
    s = merge(defaults(), {"divider": "ntc_to_gnd"})
    assert counts_for(0, s) > counts_for(40, s)
    assert close(th.measure(counts_for(40, s), s)[0], 40, 0.05)
    assert th.measure(65535, s)[2] == "open"
    assert th.measure(0, s)[2] == "short"


def test_implausible_temperature_is_a_fault():
    s = merge(defaults(), {"t_min": -10.0, "t_max": 60.0})
    t, ohms, fault = th.measure(counts_for(70, defaults()), s)
    assert (t, fault) == (None, "range")
    assert ohms is not None
    assert th.measure(counts_for(-15, defaults()), s)[2] == "range"


def test_fixed_resistor_value_is_used():
    s = merge(defaults(), {"r_fixed": 4700.0})
    assert close(th.measure(counts_for(33, s), s)[0], 33, 0.05)
