# Runs inside the MicroPython WebAssembly build that repl_board.mjs serves as a
# virtual Pico W. It is never written to the board's flash: the bridge runs it
# from the host, once at power-on (`_power_on`) and at every soft reset (`_boot`).
import sys

import micropython
import vfs
from js import rp2040 as _rp2040  # the chip's peripherals, in repl_board.mjs

# Emscripten's errno numbers (what this build's VfsPosix raises) -> MicroPython's
# (what its `errno` module, and mpremote and ampy, expect: ENOENT is 2, not 44).
_ERRNO = {44: 2, 20: 17, 31: 21, 54: 20, 55: 39, 28: 22, 2: 13, 29: 5, 51: 28,
          63: 1, 8: 9, 10: 16, 6: 11}


def _mp_errno(e):
    return OSError(_ERRNO.get(e.errno, e.errno))


class FlashVfs:
    """The Pico's flash at "/": a VfsPosix over an in-memory folder that raises
    MicroPython's errno numbers, and keeps its own working directory."""

    def __init__(self, root):
        self.fs = vfs.VfsPosix(root)
        self.cwd = "/"

    def _p(self, path):
        if not path.startswith("/"):
            path = self.cwd.rstrip("/") + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        return "/" + "/".join(parts)

    def _call(self, name, *args):
        try:
            return getattr(self.fs, name)(*args)
        except OSError as e:
            raise _mp_errno(e) from None  # MicroPython ignores chaining

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def open(self, path, mode):
        return self._call("open", self._p(path), mode)

    def ilistdir(self, path):
        # With sizes, as the Pico's LittleFS reports them (VfsPosix gives none).
        path = self._p(path)
        out = []
        for entry in self._call("ilistdir", path):
            size = 0 if entry[1] == 0x4000 else self.stat(path + "/" + entry[0])[6]
            out.append((entry[0], entry[1], 0, size))
        return iter(out)

    def stat(self, path):
        return self._call("stat", self._p(path))

    def statvfs(self, path):
        # A Pico W's 848 KiB filesystem: 212 blocks of 4 KiB.
        return (4096, 4096, 212, 150, 150, 0, 0, 0, 0, 255)

    def mkdir(self, path):
        self._call("mkdir", self._p(path))

    def rmdir(self, path):
        self._call("rmdir", self._p(path))

    def remove(self, path):
        self._call("remove", self._p(path))

    def rename(self, old, new):
        self._call("rename", self._p(old), self._p(new))

    def chdir(self, path):
        path = self._p(path)
        if not self._call("stat", path)[0] & 0x4000:
            raise OSError(20)
        self.cwd = path

    def getcwd(self):
        return self.cwd


class _Pin:
    # machine.Pin as the rp2 port has it (ports/rp2/machine_pin.c): its constants'
    # values, and a pin nothing is wired to (an interrupt never fires).
    IN = 0
    OUT = 1
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, pin, mode=-1, pull=-1, value=None):
        self.pin = pin
        self._value = 0
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if value is not None:
            self._value = 1 if value else 0

    def value(self, v=None):
        if v is None:
            return self._value
        self._value = 1 if v else 0
        return None

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False):
        self._irq = (handler, trigger, hard)


class _PWM:
    # machine.PWM on rp2: a slice's channel on the pin, 16-bit duty.
    def __init__(self, dest, freq=None, duty_u16=None):
        if not isinstance(dest, _Pin):
            raise TypeError("PWM needs a Pin")
        self.pin = dest
        self._freq = freq
        self._duty = duty_u16 or 0

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        if not 0 <= value <= 65535:
            raise ValueError("duty_u16 must be from 0 to 65535")
        self._duty = value
        return None

    def deinit(self):
        self._duty = 0


class _ADC:
    def __init__(self, pin):
        self.pin = pin

    def read_u16(self):
        return _rp2040.adc_read()


class _WDT:
    # machine.WDT as the rp2 port makes it (ports/rp2/machine_wdt.c): one watchdog,
    # started by the constructor with pico-sdk's watchdog_enable(timeout, false);
    # feed() is watchdog_update(). Nothing in it stops the watchdog.
    def __init__(self, id=0, timeout=5000):
        if id != 0:
            raise ValueError("WDT(%d) doesn't exist" % id)
        if not 0 <= timeout <= 8388:  # the port compares as unsigned: negatives fail too
            raise ValueError("timeout exceeds 8388")
        _rp2040.watchdog_enable(timeout)

    def feed(self):
        _rp2040.watchdog_update()


# The WATCHDOG block's base on each chip (CTRL is at offset 0 on both), from the
# RP2040 and RP2350 datasheets; + 0x1000 XOR, + 0x2000 SET, + 0x3000 CLR aliases.
# (On an RP2350, 0x40058000 is PLL_USB.) Another chip: no watchdog at all.
_WATCHDOG_BASE = {"RP2040": 0x40058000, "RP2350": 0x400D8000}


class _Mem32:
    # Of the address space, only the watchdog's CTRL register: its ENABLE (bit 30)
    # and TRIGGER (bit 31) bits. Anything else is refused, not silently ignored.
    ctrl = None  # the CTRL register's address on this board's chip

    def _alias(self, address):
        if address & ~0x3000 != self.ctrl:
            raise NotImplementedError("mem32[0x%08x]: this board models only the "
                                      "watchdog's CTRL register" % address)
        return (address >> 12) & 3

    def __setitem__(self, address, value):
        alias = self._alias(address)
        _rp2040.ctrl_write(alias, (value >> 30) & 1, (value >> 31) & 1)

    def __getitem__(self, address):
        self._alias(address)
        return _rp2040.ctrl_enable() << 30


class _Uname:
    # os.uname() as the rp2 port fills it; `machine` names the board and its chip.
    sysname = "rp2"
    nodename = "rp2"
    release = "1.29.0"
    version = "v1.29.0 on 2026-08-24 (GNU 14.2.0 MinSizeRel)"
    machine = ""


class _Os:
    # This build's os, and the uname() it lacks, as the rp2 port's.
    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def uname(self):
        return _Uname


class _machine:
    # The stand-in for the one thing this build cannot have: the chip's pins, ADC
    # and watchdog. (A class, as this build cannot create module objects; `import`
    # takes it.)
    Pin = _Pin
    PWM = _PWM
    ADC = _ADC
    WDT = _WDT
    mem32 = _Mem32()
    PWRON_RESET = 1
    WDT_RESET = 3
    _cause = 1  # set at power-on; a soft reset keeps it, as the chip's REASON register

    @staticmethod
    def reset_cause():
        return _machine._cause

    @staticmethod
    def unique_id():
        return b"\xe6\x61\x41\x03\xe7\x45\x2d\x2f"  # a Pico W's flash id (8 bytes)


def _power_on(root, cause, machine):
    _machine._cause = _machine.WDT_RESET if cause == "watchdog" else _machine.PWRON_RESET
    _Uname.machine = machine
    chip = machine.rsplit(" with ", 1)[-1].split("-")[0]  # RP2350-RISCV: an RP2350
    _machine.mem32.ctrl = _WATCHDOG_BASE.get(chip)
    vfs.umount("/")
    vfs.mount(FlashVfs(root), "/")
    sys.path[:] = ["", "/lib"]  # as on the Pico: the flash, then /lib


def _boot(run_main):
    # What a soft reset does on the Pico: a fresh interpreter state, then boot.py
    # and (in the friendly REPL only) main.py.
    keep = ("FlashVfs", "__name__", "__builtins__", "sys", "vfs", "micropython")
    for name in list(sys.modules):
        del sys.modules[name]
    g = globals()
    for name in list(g):
        if name not in keep and not name.startswith("_"):
            del g[name]
    sys.modules["machine"] = _machine
    import os

    sys.modules["os"] = _Os(os)
    for name in ("boot.py", "main.py") if run_main else ("boot.py",):
        try:
            with open(name) as f:
                src = f.read()
        except OSError:
            continue
        # As pyexec_file: Ctrl-C interrupts while it runs; errors print, then the REPL.
        micropython.kbd_intr(3)
        try:
            exec(src, {"__name__": "__main__"})
        except BaseException as e:
            sys.print_exception(e)
        finally:
            micropython.kbd_intr(-1)
