# A test runner small enough for MicroPython: imports each module named on the
# command line and calls its test_* functions, one "PASS name" / "FAIL name"
# line each, then a summary. Exit status is not available here; the host reads the lines.
import sys

passed = failed = 0
for name in sys.argv[1:]:
    module = __import__(name)
    for attr in sorted(dir(module)):
        fn = getattr(module, attr)
        if not attr.startswith("test_") or not callable(fn):
            continue
        try:
            fn()
        except Exception as e:
            failed += 1
            print("FAIL %s.%s %s: %s" % (name, attr, type(e).__name__, e))
            sys.print_exception(e)
        else:
            passed += 1
            print("PASS %s.%s" % (name, attr))
print("micropython: %d passed, %d failed" % (passed, failed))
