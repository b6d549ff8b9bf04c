# Not firmware, and never copied to the board: it makes firmware/ the package
# picofan.firmware, so the wheel carries these files as package data (see
# host/picofan/deploy/plan.py).
