"""The virtual Pico: the unchanged firmware on simulated hardware (plant, ADC,
pins, clock) with a pseudo-terminal for its USB serial port. See docs/simulator.md."""
