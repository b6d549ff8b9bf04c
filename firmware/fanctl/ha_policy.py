# When a board's Home Assistant topics are published: the one policy of a board on
# Wi-Fi (fanctl.ha_publisher) and the bridge (picofan.bridge.publisher). Each retained
# topic (the discovery config, availability, the state) goes out when what it should
# say differs from what it last said; an urgent state change goes out at once, a new
# reading at most once a period. A (re)connect, or Home Assistant's restart, forgets
# what was said: everything goes out again.
#
# Plain values and small ints only: deciding allocates nothing (the board asks after
# every sample).
from fanctl.ha_schema import FAN_SETTINGS

# What changes on a state topic at once, whatever the rate limit: all but the readings
# (temperature, duty, rpm).
URGENT = ("fan", "fault", "mode", "setpoint", "hysteresis", "name", "boot",
          "via") + tuple(row[0] for row in FAN_SETTINGS)
# Readings go out at most this often (the bridge's default --rate: 1 state message a
# second per board); urgent changes at once.
STATE_PERIOD_MS = 1000


def urgent(old, new):
    # A change HA must see at once (the fan, a fault, the settings, a restart), not
    # only a new reading.
    if old is None:
        return True
    for key in URGENT:
        if old[key] != new[key]:
            return True
    return False


class OnBroker:
    # What one board's topics last said on the broker (its attributes: the publisher
    # sets config and availability as it publishes them), and what is due. period: the
    # least time between two readings, in the unit of `now` (the board: ms of
    # ticks_ms; the bridge: seconds); since(now, then): the time from then to now
    # (the board: ticks_diff, which survives the ticks' wrap).
    def __init__(self, period, since):
        self.period = period
        self.since = since
        self.state_at = 0
        self.forget()

    def forget(self):
        # The broker's copy counts for nothing now: everything goes out again.
        self.config = None  # the discovery config (or what of it changes) published
        self.availability = None  # "online" or "offline", published
        self.state = None  # the state payload published (at state_at)

    def config_due(self, config):
        return config is not None and config != self.config

    def availability_due(self, availability):
        return availability != self.availability

    def state_wait(self, state, now):
        # None: nothing to publish (no state, or the one HA has); 0: publish it now (the
        # first, an urgent change, or the period is up); else how long until it is due.
        if state is None or state == self.state:
            return None
        if urgent(self.state, state):
            return 0
        left = self.period - self.since(now, self.state_at)
        return left if left > 0 else 0

    def state_sent(self, state, now):
        self.state = state
        self.state_at = now
