# The Pico W pin map, defined once: GPIO numbers the firmware drives and the
# physical header pins they sit on (for wiring drawings, tables and docs).
ADC_GPIO = 26  # thermistor divider midpoint
ADC_CHANNEL = 0
FAN_GPIO = 2  # fan transistor gate/base, or an LED; active high
LED = "LED"  # Pico W onboard LED, driven through the CYW43 wireless chip

# Physical header pins.
HEADER = {
    "GP2": 4,
    "GND": 38,
    "AGND": 33,
    "ADC_VREF": 35,
    "GP26/ADC0": 31,
    "3V3(OUT)": 36,
    "VBUS": 40,
}
