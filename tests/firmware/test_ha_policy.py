# runs on MicroPython too
# When a board's Home Assistant topics go out (fanctl.ha_policy): the one policy of the
# board on Wi-Fi and the bridge. Time is plain numbers here, in ms, with the ticks'
# wrap where the board's ticks_diff has it.
from fanctl import faults, ha_schema
from fanctl.ha_policy import STATE_PERIOD_MS, OnBroker, urgent

TELE = {"temp": 25.004, "fan": False, "duty": 0.0, "rpm": None, "setpoint": 28.0,
        "hysteresis": 1.0, "mode": "auto", "fault": None, "boot": 7}
WRAP = 1 << 30  # the board's ticks_ms wraps here (ticks_diff: the signed difference)


def ticks_diff(a, b):
    return ((a - b + WRAP // 2) % WRAP) - WRAP // 2


def state(**changes):
    tele = dict(TELE)
    tele.update(changes)
    return ha_schema.state(tele, {"name": "rack"}, ha_schema.VIA_WIFI)


def sent_at(now):
    pace = OnBroker(STATE_PERIOD_MS, ticks_diff)
    pace.state_sent(state(), now)
    return pace


def test_the_first_state_goes_out_at_once_and_the_same_one_never_again():
    pace = OnBroker(STATE_PERIOD_MS, ticks_diff)
    assert pace.state_wait(None, 0) is None  # no telemetry yet: nothing to say
    assert pace.state_wait(state(), 0) == 0
    pace.state_sent(state(), 0)
    assert pace.state_wait(state(), 5000) is None


def test_a_new_reading_waits_for_the_period_and_says_how_long():
    pace = sent_at(100)
    warmer = state(temp=26.0, duty=40.0)
    assert pace.state_wait(warmer, 100) == STATE_PERIOD_MS
    assert pace.state_wait(warmer, 850) == 250
    assert pace.state_wait(warmer, 100 + STATE_PERIOD_MS) == 0
    assert pace.state_wait(warmer, 100 + 3 * STATE_PERIOD_MS) == 0


def test_readings_keep_their_period_across_the_ticks_wrap():
    pace = sent_at(WRAP - 200)
    warmer = state(temp=26.0)
    assert pace.state_wait(warmer, WRAP - 100) == STATE_PERIOD_MS - 100
    assert pace.state_wait(warmer, 700) == 100  # (past the wrap: 900 ms since)
    assert pace.state_wait(warmer, 800) == 0


def test_an_urgent_change_goes_out_at_once_whatever_the_period():
    for changes in ({"fan": True}, {"fault": faults.NAMES[0]}, {"mode": "off"}, {"setpoint": 30.0},
                    {"hysteresis": 2.0}, {"boot": 8}):
        pace = sent_at(100)
        assert pace.state_wait(state(**changes), 101) == 0, changes
    pace = sent_at(100)
    new = ha_schema.state(TELE, {"name": "shelf"}, ha_schema.VIA_WIFI)
    assert pace.state_wait(new, 101) == 0  # a new name
    assert urgent(None, state())
    assert not urgent(state(), state(temp=30.0, duty=55.0, rpm=1200))


def test_a_period_in_seconds_as_the_bridge_counts():
    pace = OnBroker(0.5, lambda now, then: now - then)
    pace.state_sent(state(), 10.0)
    assert pace.state_wait(state(temp=26.0), 10.25) == 0.25
    assert pace.state_wait(state(temp=26.0), 10.5) == 0


def test_config_and_availability_go_out_when_they_change():
    pace = OnBroker(STATE_PERIOD_MS, ticks_diff)
    assert not pace.config_due(None)  # (the bridge: no config before a hello)
    assert pace.config_due(("rack", "pwm", "on"))
    pace.config = ("rack", "pwm", "on")  # (published)
    assert not pace.config_due(("rack", "pwm", "on"))
    assert pace.config_due(("rack", "switch", "on"))
    assert pace.availability_due(ha_schema.ONLINE)
    pace.availability = ha_schema.ONLINE
    assert not pace.availability_due(ha_schema.ONLINE)
    assert pace.availability_due(ha_schema.OFFLINE)


def test_forgetting_sends_everything_again():
    # A (re)connect, or Home Assistant's restart: the broker's copy counts for nothing.
    pace = sent_at(100)
    pace.config = b"{}"
    pace.availability = ha_schema.ONLINE
    pace.forget()
    assert pace.config_due(b"{}")
    assert pace.availability_due(ha_schema.ONLINE)
    assert pace.state_wait(state(), 101) == 0
