# The faults the board reports in tele.fault: the one home of their names, and of
# their order (the host's spec describes them in it, Home Assistant offers them in it).
# Every fault drives the fan at full power.
OPEN = "open"  # thermistor: the divider reads at a rail (disconnected?)
SHORT = "short"  # thermistor: the divider reads at the other rail
RANGE = "range"  # thermistor: a reading outside the plausible range
STUCK = "stuck"  # sampler: the ADC gives the same reading for too long
STALL = "stall"  # fan: driven, but its tach shows no turning
ERROR = "error"  # app: an unexpected error holds the fan on
NAMES = (OPEN, SHORT, RANGE, STUCK, STALL, ERROR)
