# runs on MicroPython too
# Fan speed: the control modes (curve, PID), the fan's limits, kick-start, the PWM pin,
# the tach's rpm and the stall fault, on the control loop and in its parts.
from test_app import command, new_app

from fanctl import protocol
from fanctl.app import App
from fanctl.control import Controller, curve
from fanctl.fan import Fan
from fanctl.faults import STALL
from fanctl.settings import Invalid, defaults, merge, save
from scripted_board import ScriptedBoard, counts_for, run_ms
from support import close, raises, scratch_path

PWM = {"output": "pwm", "min_on_ms": 0, "min_off_ms": 0}


def pwm_settings(**kw):
    changes = dict(PWM)
    changes.update(kw)
    return merge(defaults(), changes)


def fan_percent(board, invert=True):
    # What the fan's PWM input sees: the documented stage inverts the pin.
    level = 65535 - board.pwm_level if invert else board.pwm_level
    return level * 100 / 65535


def pulses(hz):
    # A tach turning steadily: hz falling edges a second, counted since boot.
    return lambda ms: int(ms * hz / 1000)


# -- settings ---------------------------------------------------------------------------
def test_curve_and_pid_need_a_pwm_output_and_one_set_can_give_both():
    e = raises(Invalid, merge, defaults(), {"control": "pid"})
    assert e.code == "range" and "needs output pwm" in e.msg
    both = merge(defaults(), {"control": "pid", "output": "pwm"})
    assert both["control"] == "pid"
    # ...and going back to a switch while PID is in charge is refused the same way
    assert "needs output pwm" in raises(Invalid, merge, both, {"output": "switch"}).msg


def test_the_fans_limits_must_be_in_order():
    for bad in ({"off_below": 30.0}, {"min_duty": 90.0, "max_duty": 80.0},
                {"curve_low": 40.0, "curve_high": 40.0}):
        e = raises(Invalid, merge, defaults(), bad)
        assert e.code == "range", bad
    assert raises(Invalid, merge, defaults(), {"pwm_invert": True}).code == "type"
    assert raises(Invalid, merge, defaults(), {"tach_ppr": 0}).code == "range"


# -- control ----------------------------------------------------------------------------
def test_curve_is_linear_between_its_two_temperatures():
    s = pwm_settings(curve_low=25.0, curve_high=35.0)
    assert [curve(t, s) for t in (20.0, 25.0, 30.0, 35.0, 50.0)] == [0.0, 0.0, 50.0, 100.0,
                                                                      100.0]


def test_limits_stop_under_off_below_and_clamp_between_min_and_max():
    s = pwm_settings(control="curve", curve_low=20.0, curve_high=30.0, min_duty=25.0,
                     max_duty=80.0, off_below=10.0)
    ctl = Controller()
    # demand 5 % (under off_below): stopped; 15 %: min_duty; 50 %: as asked; 100 %: max
    duties = [ctl.update(t, None, s, 100) for t in (20.5, 21.5, 25.0, 35.0)]
    assert duties == [0.0, 25.0, 50.0, 80.0]


def test_a_switch_output_runs_at_full_or_not_at_all():
    s = merge(defaults(), {"min_on_ms": 0, "min_off_ms": 0})
    ctl = Controller()
    assert [ctl.update(t, None, s, 100) for t in (31.5, 30.0, 28.5)] == [100.0, 100.0, 0.0]


def test_hysteresis_on_pwm_runs_at_max_duty():
    s = pwm_settings(max_duty=70.0)
    ctl = Controller()
    assert [ctl.update(t, None, s, 100) for t in (31.5, 28.5)] == [70.0, 0.0]


def test_modes_override_control_and_faults_give_full_power():
    s = pwm_settings(control="pid", mode="on", manual_duty=45.0, max_duty=60.0)
    ctl = Controller()
    assert ctl.update(10.0, None, s, 100) == 45.0  # manual, though far below setpoint
    s["mode"] = "off"
    assert ctl.update(60.0, None, s, 100) == 0.0
    assert ctl.update(None, "open", s, 100) == 100.0  # over max_duty and mode off


def test_every_stop_and_start_waits_out_the_minimum_times_in_auto():
    s = pwm_settings(control="curve", curve_low=20.0, curve_high=30.0, min_on_ms=1000,
                     min_off_ms=1000)
    ctl = Controller()
    ctl.update(25.0, None, s, 100)  # running since boot, free to stop
    assert ctl.update(15.0, None, s, 100) == 0.0  # stopped...
    assert ctl.update(25.0, None, s, 500) == 0.0  # ...and stays so for min_off_ms
    assert ctl.update(25.0, None, s, 500) == 50.0


def pid_run(s, temps, dt=100):
    ctl = Controller()
    return ctl, [ctl.update(t, None, s, dt) for t in temps]


def test_pid_sign_is_more_fan_when_hotter_than_the_setpoint():
    s = pwm_settings(control="pid", pid_kp=10.0, pid_ki=0.0, pid_kd=0.0, min_duty=0.0,
                     off_below=0.0)
    _, duties = pid_run(s, [30.0, 32.0, 34.0, 29.0])
    assert duties == [0.0, 20.0, 40.0, 0.0]


def test_pid_integral_accumulates_and_does_not_wind_up_in_saturation():
    s = pwm_settings(control="pid", pid_kp=10.0, pid_ki=1.0, pid_kd=0.0, min_duty=0.0,
                     off_below=0.0)
    # 1 degC too hot for 10 s: the integral term grows 1 %/s to 10 %, plus 10 % of P
    ctl, duties = pid_run(s, [31.0] * 100)
    assert close(duties[-1], 20.0, 0.2)
    # 20 degC too hot for 10 minutes: pinned at 100 %; then cooler than the setpoint:
    # an unwound integral lets go at once, not after ten minutes of unwinding.
    ctl, _ = pid_run(s, [50.0] * 6000)
    assert ctl.pid.integral <= 100.0
    out = [ctl.update(t, None, s, 100) for t in [29.0] * 5]
    assert out[-1] < 100.0


def test_pid_does_not_wind_down_while_the_fan_is_held_at_min_duty():
    # The plant needs a little more than min_duty. A cool spell puts the demand just
    # under min_duty: the fan runs at min_duty, and the integral must hold its level
    # rather than sink against a clamp the PID would not otherwise know of (at 8 W the
    # benchmark's fan started and stopped 24 times an hour from that windup).
    s = pwm_settings(control="pid", pid_kp=100.0, pid_ki=2.0, pid_kd=0.0,
                     min_duty=20.0, off_below=10.0)
    ctl = Controller()
    ctl.pid.integral = 22.0
    held = [ctl.update(29.95, None, s, 100) for _ in range(3000)]  # 5 min, P = -5
    assert set(held) == {20.0}
    assert ctl.pid.integral == 22.0
    # Back at the setpoint, the fan is at the level it had.
    assert close(ctl.update(30.0, None, s, 100), 22.0, 0.01)


def test_pid_does_not_wind_up_while_a_minimum_off_time_holds_the_fan_stopped():
    s = pwm_settings(control="pid", pid_kp=100.0, pid_ki=2.0, pid_kd=0.0,
                     min_duty=20.0, off_below=10.0, min_off_ms=60000)
    ctl = Controller()
    ctl.pid.integral = 22.0
    assert ctl.update(29.0, None, s, 100) == 0.0  # cold: stopped, min_off_ms from now
    # A little warm, demand 27 %, but min_off_ms holds the fan stopped for a minute:
    # the integral does not climb behind the hold, so the fan starts at the demand
    # the temperature asks for, not at a minute's worth of windup.
    held = [ctl.update(30.05, None, s, 100) for _ in range(590)]
    assert set(held) == {0.0} and ctl.pid.integral == 22.0
    started = [ctl.update(30.05, None, s, 100) for _ in range(20)]
    running = [d for d in started if d > 0]
    assert running and close(running[0], 27.0, 0.05)


def test_pid_derivative_acts_on_a_rising_temperature_not_on_a_setpoint_change():
    s = pwm_settings(control="pid", pid_kp=0.0, pid_ki=0.0, pid_kd=50.0, min_duty=0.0,
                     off_below=0.0)
    ctl = Controller()
    temps = [30.0 + 0.01 * i for i in range(40)]  # rising 0.1 degC/s
    duties = [ctl.update(t, None, s, 100) for t in temps]
    assert close(duties[-1], 50.0 * 0.1, 1.0) and duties[-1] > 0  # about kd * rate
    s["setpoint"] = 20.0
    assert close(ctl.update(temps[-1] + 0.01, None, s, 100), duties[-1], 1.0)


# -- the fan: kick-start, the pin, the tach --------------------------------------------
def test_kick_start_from_stop_and_on_a_big_jump_only():
    s = pwm_settings(kick_start_ms=300)
    board = ScriptedBoard()
    fan = Fan(board)
    seen = []
    for duty in (0.0, 30.0, 30.0, 30.0, 30.0, 40.0, 95.0, 95.0, 95.0, 95.0):
        fan.drive(duty, s, 100)
        seen.append(fan.duty)
    assert seen == [0.0, 100.0, 100.0, 100.0, 30.0, 40.0, 100.0, 100.0, 100.0, 95.0]
    s["kick_start_ms"] = 0
    fan.drive(0.0, s, 100)
    fan.drive(30.0, s, 100)
    assert fan.duty == 30.0


def test_the_pin_is_inverted_for_the_documented_stage_unless_told_otherwise():
    board = ScriptedBoard()
    fan = Fan(board)
    s = pwm_settings(kick_start_ms=0)
    fan.drive(25.0, s, 100)
    assert board.pwm_level == 65535 - 16384 and close(fan_percent(board), 25.0, 0.01)
    s["pwm_invert"] = "off"
    fan.drive(25.0, s, 100)
    assert board.pwm_level == 16384


def test_rpm_from_the_tach_and_none_without_one():
    app, board = new_app(saved=dict(PWM, tach="on"))
    board.tach = pulses(50)  # 50 edges/s at 2 per revolution: 1500 rpm
    run_ms(app, 3000)
    tele = board.take("tele")
    assert tele[-1]["rpm"] == 1500 and tele[-1]["fault"] is None
    command(app, {"cmd": "set", "tach_ppr": 4})
    run_ms(app, 2000)
    assert board.take("tele")[-1]["rpm"] == 750
    command(app, {"cmd": "set", "tach": "off"})
    run_ms(app, 2000)
    assert board.take("tele")[-1]["rpm"] is None


def test_a_driven_fan_with_no_tach_pulses_stalls_and_is_driven_full():
    turning = [True]
    count = [0]

    def tach(ms):
        if turning[0]:
            count[0] += 1  # a pulse between every two samples: turning
        return count[0]

    app, board = new_app(counts=counts_for(35.0), saved=dict(PWM, tach="on", max_duty=60.0))
    board.tach = tach
    run_ms(app, 3000)
    assert board.take("tele")[-1]["duty"] == 60.0
    turning[0] = False
    run_ms(app, 3000)  # stall_ms (the default, 2 s), and the next telemetry line
    tele = board.take("tele")
    assert tele[-1]["fault"] == STALL and tele[-1]["duty"] == 100.0 and tele[-1]["fan"]
    assert board.pwm_level == 0  # full power through the inverting stage
    run_ms(app, 10000)
    assert board.take("tele")[-1]["fault"] == STALL  # held while it does not turn
    turning[0] = True
    run_ms(app, 2500)
    tele = board.take("tele")
    assert tele[-1]["fault"] is None and tele[-1]["duty"] == 60.0


def test_a_stopped_fan_never_stalls_nor_does_one_without_a_tach_wire():
    app, board = new_app(counts=counts_for(20.0), saved=dict(PWM, tach="on"))
    run_ms(app, 10000)  # cool: stopped, and no pulses, rightly
    tele = board.take("tele")
    assert tele[-1]["duty"] == 0.0 and tele[-1]["fault"] is None and tele[-1]["rpm"] == 0
    app, board = new_app(counts=counts_for(35.0), saved=PWM)  # tach off, driven, no pulses
    run_ms(app, 10000)
    tele = board.take("tele")
    assert tele[-1]["duty"] == 100.0 and tele[-1]["fault"] is None and tele[-1]["rpm"] is None


def test_a_sensor_fault_drives_a_pwm_fan_at_full_power():
    counts = [counts_for(20.0)]
    app, board = new_app(counts=lambda ms: counts[0], saved=dict(PWM, max_duty=50.0))
    run_ms(app, 2000)
    assert board.take("tele")[-1]["duty"] == 0.0
    counts[0] = 0  # the thermistor's wire cut: the 10 k pulls the divider to ground
    run_ms(app, 200)
    assert board.pwm_level == 0 and close(fan_percent(board), 100.0, 0.0)
    assert board.take("tele")[-1]["fault"] == "open"


def test_start_drives_the_configured_output_at_full_power_first():
    path = scratch_path("settings.json")
    save(path, merge(defaults(), PWM))
    board = ScriptedBoard(counts_for(25))
    App(board, path)
    # as soon as the settings are read, before start: the PWM pin at full power through
    # the inverting stage (the board's GPIO2 high at power-up would be the fan's slowest)
    assert board.pwm_log == [(0, 0)] and board.fan_log == []
    _app, board = new_app()
    assert board.fan_log[0] == (0, True)


def test_telemetry_carries_duty_and_rpm_within_the_schema():
    msg = protocol.tele("0000b007", 0, 1, 30.0, 32768, 10000.0, True, defaults(), None,
                        37.46, 1230)
    assert msg["duty"] == 37.5 and msg["rpm"] == 1230
    assert protocol.tele("0000b007", 0, 1, 30.0, 32768, 10000.0, False, defaults(),
                         None)["duty"] == 0.0


def test_telemetry_says_the_kick_start_and_the_duty_asked_for_behind_it():
    # The fan stopped, then asked for 40 %: full power for kick_start_ms, said as such,
    # with the 40 % asked for; then 40 % and no kick. A fault's full power is no kick.
    app, board = new_app(counts=counts_for(25.0),
                         saved=dict(PWM, mode="off", kick_start_ms=500, interval_ms=100))
    run_ms(app, 300)
    tele = board.take("tele")
    assert (tele[-1]["duty"], tele[-1]["demand"], tele[-1]["kick"]) == (0.0, 0.0, False)
    command(app, {"cmd": "set", "mode": "on", "manual_duty": 40.0})
    run_ms(app, 1000)
    seen = [(m["duty"], m["demand"], m["kick"]) for m in board.take("tele")]
    assert seen[0] == (100.0, 40.0, True)
    # 500 ms of 100 ms samples, a line each (a set samples at once: the next is sooner)
    assert 4 <= seen.count((100.0, 40.0, True)) <= 5
    assert seen[-1] == (40.0, 40.0, False)
    assert set(seen) == {(100.0, 40.0, True), (40.0, 40.0, False)}
    board.counts = lambda ms: 0  # the thermistor's wire cut
    run_ms(app, 300)
    assert [(m["duty"], m["demand"], m["kick"], m["fault"]) for m in board.take("tele")][-1] \
        == (100.0, 100.0, False, "open")
