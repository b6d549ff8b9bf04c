# The Pico W pin map, defined once: the GPIOs the firmware drives. (The header pins
# they sit on, for drawings and docs, are the host's: picofan.spec.header.)
from fanctl import const

ADC_GPIO = const(26)  # thermistor divider midpoint
ADC_CHANNEL = const(0)
FAN_GPIO = const(2)  # fan transistor gate/base, or an LED; active high
LED = "LED"  # Pico W onboard LED, driven through the CYW43 wireless chip
