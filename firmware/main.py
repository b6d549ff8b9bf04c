# Runs at boot: the fan controller on the real board. Ctrl-C returns to the REPL.
from board import PicoBoard, find_chip

from fanctl.app import App

chip = find_chip()
if chip is not None:  # on a chip it does not know, nothing starts (find_chip said why)
    App(PicoBoard(chip)).run()
