"""The Pico W's physical header pins that picofan's wiring uses, for drawings,
tables and docs. The GPIOs among them are the firmware's pin map (fanctl.pins);
this adds where each sits on the header."""

from fanctl import pins

# The header pin of each GPIO brought out to it: GP0-GP22 between the ground pins,
# then GP26-GP28 (GP23-GP25 serve the wireless chip and the power supply, not the header).
_GPIO_PIN = dict(enumerate((1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21,
                             22, 24, 25, 26, 27, 29))) | {26: 31, 27: 32, 28: 34}

HEADER: dict[str, int] = {
    f"GP{pins.FAN_GPIO}": _GPIO_PIN[pins.FAN_GPIO],
    f"GP{pins.TACH_GPIO}": _GPIO_PIN[pins.TACH_GPIO],
    "GND": 38,
    "AGND": 33,
    "ADC_VREF": 35,
    f"GP{pins.ADC_GPIO}/ADC{pins.ADC_CHANNEL}": _GPIO_PIN[pins.ADC_GPIO],
    "3V3(OUT)": 36,
    "VBUS": 40,
}
