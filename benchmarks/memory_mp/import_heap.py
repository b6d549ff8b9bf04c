# Runs inside MicroPython (see memory.py --measure import): the heap the firmware takes once
# imported, as the board's main.py imports it (board.py aside: it needs `machine`).
import gc

gc.collect()
base = gc.mem_alloc()
from fanctl.app import App  # noqa: E402, F401

gc.collect()
print("heap_after_import_bytes", gc.mem_alloc() - base)
