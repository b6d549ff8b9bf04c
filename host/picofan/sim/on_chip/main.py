# What firmware/main.py is on the Pico W, for the virtual Pico: the same App on
# the simulator's board edge. Run by MicroPython's unix port in the board's flash
# folder; Ctrl-C (SIGINT from the simulator) ends it as on the board.
from unix_board import UnixPortBoard

from fanctl.app import App

App(UnixPortBoard()).run()
