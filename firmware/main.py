# Runs at boot: the fan controller on the real board. Ctrl-C returns to the REPL.
from board import PicoBoard

from fanctl.app import App

App(PicoBoard()).run()
