# picofan firmware core: measurement, control, protocol and settings, with no
# dependency on `machine` so the same code runs on the Pico, CPython and the simulator.
# Only what runs on the board lives in fanctl; the host's specification and tools
# (message schema, inverse conversions, header pins) are in picofan.spec, never deployed.
FIRMWARE_VERSION = "0.1.0"

try:
    from micropython import const
except ImportError:  # CPython: the host, the tests

    def const(value):  # type: ignore[misc]
        return value
