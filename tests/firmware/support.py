# Test support that runs on CPython and MicroPython alike (the scripted board itself is
# benchmarks/rigs/scripted_board.py, shared with the memory benchmarks).


def raises(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


def close(a, b, tol):
    return abs(a - b) <= tol


_n = [0]
_base = []


def _scratch_dir():
    if not _base:
        try:
            import tempfile

            _base.append(tempfile.mkdtemp(prefix="picofan-"))
        except ImportError:  # MicroPython: the interpreter's own throwaway /tmp
            import os

            # (the unix port's /tmp is the machine's: its runs are given a folder their own)
            getenv = getattr(os, "getenv", None)
            _base.append((getenv and getenv("PICOFAN_SCRATCH")) or "/tmp/picofan-tests")
            try:
                os.mkdir(_base[0])
            except OSError:
                pass
    return _base[0]


def scratch_path(name):
    # A fresh file path in a scratch folder.
    import os

    base = _scratch_dir()
    _n[0] += 1
    path = "%s/%d-%s" % (base, _n[0], name)
    for p in (path, path + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass
    return path
