"""The virtual Pico's fan (picofan.sim.fan) and the plant it cools, on their own:
the wiring on GPIO2, start and run duty, inertia, the tach, a locked rotor, and the
plant's operating points at the defaults."""

from __future__ import annotations

import pytest

from fanctl.fan import TACH_MASK
from picofan.sim.fan import PWM_FULL, FanModel, FanParams
from picofan.sim.plant import Plant


def pwm_level(duty: float) -> int:
    # The level at the pin that gives the fan `duty` through the inverting stage.
    return round(PWM_FULL * (1 - duty / 100))


def run(fan: FanModel, seconds: float, step_s: float = 0.01) -> None:
    for _ in range(round(seconds / step_s)):
        fan.step(step_s)


def seconds_until(fan: FanModel, check: object, limit_s: float = 60.0) -> float:
    t = 0.0
    while not check(fan):  # type: ignore[operator]
        fan.step(0.01)
        t += 0.01
        assert t < limit_s, "never"
    return t


def test_the_wiring_on_gpio2() -> None:
    fan = FanModel()
    fan.pin_digital(True)
    assert fan.duty == 100.0 and fan.powered
    fan.pin_digital(False)
    assert fan.duty == 0.0 and not fan.powered
    # PWM through the inverting open-drain stage: pin high = the fan's line low.
    fan.pin_pwm(0)
    assert fan.duty == 100.0
    fan.pin_pwm(PWM_FULL)
    assert fan.duty == 0.0 and fan.powered  # held slow, but its electronics have power
    fan.pin_pwm(pwm_level(40))
    assert fan.duty == pytest.approx(40, abs=0.01)


def test_an_unpowered_board_stops_a_switched_fan_and_lets_a_pwm_fan_run_full() -> None:
    fan = FanModel()
    fan.pin_digital(True)
    fan.pin_floating()
    assert fan.duty == 0.0
    fan.pin_pwm(PWM_FULL)  # the PWM stage holding the fan at 0 %
    fan.pin_floating()
    assert fan.duty == 100.0  # the fan's own pull-up: an undriven 4-wire fan runs full


def test_a_stopped_fan_needs_the_start_duty_a_turning_one_runs_down_to_the_run_duty() -> None:
    p = FanParams()
    fan = FanModel(p)
    fan.pin_pwm(pwm_level(p.start_duty - 5))  # between run and start duty, from stop
    run(fan, 10)
    assert fan.rpm == 0 and fan.tach_count == 0
    fan.pin_pwm(pwm_level(p.start_duty))
    run(fan, 10)
    assert fan.rpm == pytest.approx(p.max_rpm * p.start_duty / 100, rel=0.01)
    fan.pin_pwm(pwm_level(p.run_duty + 2))  # turning: it keeps going
    run(fan, 30)
    assert fan.rpm == pytest.approx(fan.steady_rpm(p.run_duty + 2), rel=0.01)
    fan.pin_pwm(pwm_level(p.run_duty - 2))  # below the run duty: it coasts to a stop
    run(fan, 30)
    assert fan.rpm == 0
    fan.pin_pwm(pwm_level(p.run_duty + 2))  # and stays stopped at a duty it ran at
    run(fan, 10)
    assert fan.rpm == 0


def test_a_kick_start_gets_a_fan_going_at_a_duty_it_would_not_start_at() -> None:
    fan = FanModel()
    fan.pin_pwm(pwm_level(100))
    run(fan, 0.5)  # the firmware's default kick_start_ms
    fan.pin_pwm(pwm_level(20))
    run(fan, 20)
    assert fan.rpm == pytest.approx(fan.steady_rpm(20), rel=0.01)


def test_it_spins_down_slower_than_it_spins_up() -> None:
    fan = FanModel()
    fan.pin_pwm(pwm_level(100))
    up = seconds_until(fan, lambda f: f.rpm >= f.p.max_rpm / 2)
    run(fan, 20)
    fan.pin_pwm(pwm_level(0))
    down = seconds_until(fan, lambda f: f.rpm <= f.p.max_rpm / 2)
    assert down > 2 * up
    run(fan, 60)
    assert fan.rpm == 0  # coasting, it does stop


def test_the_tach_gives_two_edges_a_revolution() -> None:
    fan = FanModel()
    fan.pin_pwm(pwm_level(60))
    run(fan, 20)  # settled
    rpm = fan.rpm
    start = fan.tach_count
    run(fan, 60)
    assert fan.tach_count - start == pytest.approx(2 * rpm, abs=2)


def test_the_tach_count_wraps_at_2_30() -> None:
    fan = FanModel()
    fan.tach_count = TACH_MASK - 10
    fan.pin_pwm(pwm_level(100))
    run(fan, 5)
    assert 0 < fan.tach_count < 1000


def test_a_locked_rotor_gives_no_pulses_until_it_is_freed() -> None:
    fan = FanModel()
    fan.pin_pwm(pwm_level(50))
    run(fan, 10)
    fan.lock(True)
    count = fan.tach_count
    run(fan, 10)
    assert fan.rpm == 0 and fan.tach_count == count
    fan.lock(False)
    run(fan, 10)  # 50 % starts it again
    assert fan.rpm > 0 and fan.tach_count > count


def test_a_switched_off_fan_coasts_without_tach_pulses() -> None:
    # Through the switch its electronics lose power with the motor: no tach while it
    # coasts. Through the PWM stage they keep power: the coasting rotor still pulses.
    fan = FanModel()
    fan.pin_digital(True)
    run(fan, 10)
    fan.pin_digital(False)
    count = fan.tach_count
    run(fan, 1)
    assert fan.rpm > 0 and fan.tach_count == count
    fan.pin_pwm(pwm_level(100))
    run(fan, 10)
    fan.pin_pwm(pwm_level(0))
    count = fan.tach_count
    run(fan, 1)
    assert fan.tach_count > count


def test_the_plant_at_its_defaults() -> None:
    # The switch output: full air cools the body below the band, none heats it above.
    plant = Plant()
    assert plant.equilibrium_c(1.0) < 29.0 and plant.equilibrium_c(0.0) > 31.0
    # A PWM fan holds 30 C at a mid-range duty (rpm follows duty), and still holds it
    # after the ambient rises to 25 C.
    airflow = plant.airflow_for(30.0)
    assert airflow is not None and 0.3 <= airflow <= 0.6
    plant.p.ambient_c = 25.0
    hot = plant.airflow_for(30.0)
    assert hot is not None and airflow < hot < 0.9
    assert plant.equilibrium_c(1.0) < 29.0


def test_more_air_cools_more() -> None:
    plant = Plant()
    temps = [plant.equilibrium_c(a / 10) for a in range(11)]
    assert temps == sorted(temps, reverse=True) and len(set(temps)) == 11
