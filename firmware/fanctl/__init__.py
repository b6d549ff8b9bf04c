# picofan firmware core: measurement, control, protocol and settings, with no
# dependency on `machine` so the same code runs on the Pico, CPython and the simulator.
VERSION = "0.1.0"
