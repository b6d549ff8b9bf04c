# The chips picofan runs on, defined once (from the RP2040 and RP2350 datasheets): for
# the board, which finds its own by the name MicroPython was built for, and for the
# host's `picofan micropython` (the BOOTSEL drive, the UF2 it takes, the build to get).
#
# Each: (the chip's name in os.uname().machine, its WATCHDOG block's base address,
#        the label of its BOOTSEL drive, the UF2 family ids its boot ROM takes,
#        the official MicroPython build for the board, the board's name).
# Both chips have the watchdog's CTRL register at the base, its ENABLE at bit 30.
CHIPS = (
    ("RP2040", 0x40058000, "RPI-RP2", (0xE48BFF56,), "RPI_PICO_W", "Raspberry Pi Pico W"),
    # An RP2350 image is Arm Secure or RISC-V.
    ("RP2350", 0x400D8000, "RP2350", (0xE48BFF59, 0xE48BFF5A), "RPI_PICO2_W",
     "Raspberry Pi Pico 2 W"),
)


def find(machine):
    # The chip MicroPython's machine name ends with ("Raspberry Pi Pico W with RP2040",
    # "... Pico 2 W with RP2350", "... with RP2350-RISCV"), or None.
    for chip in CHIPS:
        if " with " + chip[0] in machine:
            return chip
    return None
