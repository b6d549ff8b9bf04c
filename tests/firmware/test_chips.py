"""The board finds its chip by the name the rp2 port's MicroPython gives the machine
(os.uname().machine: MICROPY_HW_BOARD_NAME " with " MICROPY_HW_MCU_NAME)."""

import pytest

from fanctl import chips


@pytest.mark.parametrize(("machine", "chip", "watchdog"), [
    ("Raspberry Pi Pico W with RP2040", "RP2040", 0x40058000),
    ("Raspberry Pi Pico 2 W with RP2350", "RP2350", 0x400D8000),
    ("Raspberry Pi Pico 2 W with RP2350-RISCV", "RP2350", 0x400D8000),  # same chip
])
def test_each_board_finds_its_own_chip_and_watchdog(machine: str, chip: str,
                                                     watchdog: int) -> None:
    found = chips.find(machine)
    assert found is not None
    assert (found[0], found[1]) == (chip, watchdog)


@pytest.mark.parametrize("machine", ["Raspberry Pi Pico 3 W with RP2450",
                                     "ESP32C3 module with ESP32C3", "JS with Emscripten", ""])
def test_another_chip_is_not_taken_for_one_it_resembles(machine: str) -> None:
    assert chips.find(machine) is None
