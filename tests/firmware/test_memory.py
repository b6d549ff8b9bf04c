"""The firmware's heap in use stays flat under MicroPython (a short version of
benchmarks/memory.py --measure heap, which runs 100 000 cycles and prints figures)."""

from micropython_wasm import firmware_heap


def test_heap_in_use_does_not_grow() -> None:
    m = firmware_heap(30_000)
    heap = [used for _, used in m["heap"]]
    print("heap in use after each 3000 cycles:", heap)
    # After warm-up, 15 000 cycles (1 500 telemetry lines...) add at most a few blocks:
    # one leaked 16-byte block per 100 cycles would add 2 400 bytes here.
    assert max(heap[5:]) - heap[5] <= 128, heap
    assert m["lines"] >= 30_000  # telemetry every cycle really ran
    assert m["switches"] > 10  # and the fan really cycled
