"""The host's specification of the board: the message schema, conversions both ways
and the header pins. Used by the host, the simulator, the docs and wiring generators;
never deployed (the board's own code is fanctl)."""
