"""The Pico W's physical header pins that picofan's wiring uses, for drawings,
tables and docs. (The GPIO numbers the firmware drives are fanctl.pins.)"""

HEADER = {
    "GP2": 4,
    "GP3": 5,  # the tach input (fanctl.pins.TACH_GPIO)
    "GND": 38,
    "AGND": 33,
    "ADC_VREF": 35,
    "GP26/ADC0": 31,
    "3V3(OUT)": 36,
    "VBUS": 40,
}
