# The Pico W pin map, defined once: the GPIOs the firmware drives. (The header pins
# they sit on, for drawings and docs, are the host's: picofan.spec.header.)
from fanctl import const

ADC_GPIO = const(26)  # thermistor divider midpoint
ADC_CHANNEL = const(0)
# Fan: a transistor's gate/base (output "switch", active high), or the 25 kHz PWM line
# of a 4-wire fan through an open-drain stage (output "pwm": PWM slice 1, channel A).
FAN_GPIO = const(2)
PWM_HZ = const(25000)  # the Intel 4-wire fan specification's PWM frequency
# Tach input of a 4-wire (or 3-wire) fan: pulled up to 3V3, falling edges counted by
# an interrupt. GP3 is GP2's PWM slice partner (1B): while GP2 runs PWM, GP3 can carry
# no PWM of its own nor be the slice's edge counter; as a plain input it is free.
TACH_GPIO = const(3)
LED = "LED"  # Pico W onboard LED, driven through the CYW43 wireless chip
