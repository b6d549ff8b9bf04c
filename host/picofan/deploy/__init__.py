"""Putting the app on a Pico W that runs MicroPython, split as mpremote is:

- `plan`: the flash plan (the packaged firmware files and their paths on the board)
  and how the board's own hashes verify it;
- `tools`: mpremote and adafruit-ampy, run as commands;
- `flash`: the steps of a flash, the soft reset into the app, the REPL.

Its commands, `picofan flash | micropython | repl | reset | run`, are picofan.cli.deploy.

The port checks (missing, forbidden, busy and held by whom) are picofan.ports', shared
with every other command."""

from picofan.deploy.plan import AppFile, DeployError, flash_plan

__all__ = ["AppFile", "DeployError", "flash_plan"]
