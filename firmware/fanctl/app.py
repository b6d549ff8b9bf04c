# The control loop: sample, convert, control, report, take commands.
# It touches hardware only through `board`: ADC, fan pin, tach, LED, clock, USB, watchdog
# and (on a Pico W) the Wi-Fi chip. The contract is written once, typed, in the host
# package (host/picofan/board_edge.py), and mypy holds every board edge to it.
import os

from fanctl import FIRMWARE_VERSION, const, control, protocol, settings
from fanctl.fan import Fan
from fanctl.faults import ERROR
from fanctl.sampler import Sampler
from fanctl.usb import LineReader, TxQueue

SETTINGS_FILE = "settings.json"
WIFI_FILE = "wifi.json"  # the Wi-Fi credentials and broker (fanctl.wifi), apart from settings
ERROR_HOLD_MS = const(10000)  # after an unexpected error the fan stays on this long
ERROR_LOG_EVERY_MS = const(10000)  # a repeating error is logged once per this, with a count


class App:
    def __init__(self, board, path=SETTINGS_FILE, wifi_path=WIFI_FILE):
        self.board = board
        self.path = path
        self.settings, self.warning = settings.load(path)  # the settings in force
        # The Wi-Fi config stored (None: USB only), read at boot; a bad file is a
        # warning and Wi-Fi off. A `wifi` command rewrites the file and takes effect at once.
        self.wifi_path = wifi_path
        self.wifi_config = self.wifi_warning = None
        if _exists(wifi_path):
            self.wifi_config, self.wifi_warning = _wifi().load(wifi_path)
        self.stored = None if self.warning else dict(self.settings)  # ...and in the file
        self.controller = control.Controller()
        self.fan = Fan(board)
        # Full power in the way the fan is wired, as soon as the settings say how: the
        # board's power-up GPIO2 high is full power for a switch, the slowest through
        # the 4-wire fan's inverting stage.
        self.full_power()
        self.sampler = Sampler(board.read_u16)
        self.reader = LineReader(board, self.handle, self._too_long)
        self.out = TxQueue(board)
        self.temp = None
        self.ohms = None
        self.raw = 0
        self.fault = None
        self.error_ms = 0  # time left in the error hold
        self.errors_unlogged = 0  # errors since the last error log
        self.error_log_ms = 0  # time until the next error may be logged
        self.blink_ms = 0
        self.watchdog_ms = 0  # the watchdog's timeout in force, 0: not running
        self.net = None  # fanctl.net.Net while there is a Wi-Fi config (start_net)
        self.last_sample_ms = self.next_sample = self.next_tele = 0  # set by start()
        # Which boot this is, and a per-boot telemetry counter: the host sees
        # restarts and counts lost lines from these alone.
        self.boot = "%08x" % (board.random32() & 0xFFFFFFFF)
        self.uid = board.unique_id()  # which board this is, for as long as it lives
        self.seq = 0

    # -- output ---------------------------------------------------------
    def send(self, msg, keep_free=0):
        self.out.put(protocol.encode(msg), keep_free)

    def refuse(self, cmd_id, code, text):
        # An error for a line without an id (junk, most likely) gives way to telemetry
        # and replies when the host cannot keep up: it may only fill half the queue.
        self.send(protocol.error(cmd_id, code, text),
                  self.out.size // 2 if cmd_id is None else 0)

    def hello(self, cmd_id=None):
        self.send(protocol.hello(FIRMWARE_VERSION, self.board.name, self.uid, self.boot,
                                 self.board.reset_cause(), self.settings,
                                 self.settings == self.stored, self.warning, cmd_id,
                                 self.wifi_public()))

    def state(self, out=None):
        # The board's state as the last sample left it, as a telemetry message: the one
        # snapshot USB telemetry (every interval_ms) and the network's publisher (at its
        # own rate) each read. Built when read, from the values the loop keeps anyway:
        # a dict, or with `out` written straight into it (protocol.tele).
        fan = self.fan
        return protocol.tele(self.boot, self.seq, self.last_sample_ms, self.temp, self.raw,
                             self.ohms, self.controller.fan, self.settings, self.fault,
                             fan.duty, fan.rpm, fan.target, fan.kicking(), self.net, out)

    # -- measurement and control ----------------------------------------
    def sample(self, dt_ms):
        sampler = self.sampler
        sampler.sample(self.settings)
        self.raw = sampler.raw
        self.temp = sampler.temp
        self.ohms = sampler.ohms
        fault = sampler.fault
        stall = self.fan.measure(self.settings, dt_ms)
        if self.error_ms > 0:
            self.error_ms -= dt_ms
            fault = ERROR
        if fault is None:
            fault = stall  # a sensor fault says more, and drives full power too
        self.fault = fault
        duty = self.controller.update(self.temp, fault, self.settings, dt_ms)
        self.fan.drive(duty, self.settings, dt_ms)

    def status_led(self, dt_ms):
        # Heartbeat (100 ms on per second) when healthy, fast blink on a fault.
        # With Wi-Fi: a slow blink (500 ms) while joining, a double heartbeat while the
        # network or the broker is down; the plain heartbeat once both are up.
        self.blink_ms = ms = (self.blink_ms + dt_ms) % 1000
        net = self.net
        if self.fault:
            self.board.led((ms // 100) % 2 == 0)
        elif net is None or net.mqtt == "up":
            self.board.led(ms < 100)
        elif net.wifi == "joining":
            self.board.led(ms < 500)
        else:
            self.board.led(ms < 100 or 200 <= ms < 300)

    def fail_safe(self, exc):
        # Whatever went wrong, the fan goes on and telemetry goes on saying so.
        self.error_ms = ERROR_HOLD_MS
        self.fault = ERROR
        self.temp = self.ohms = None
        try:
            self.controller.update(None, ERROR, self.settings, 0)
        except Exception:
            pass
        self.full_power()
        self.errors_unlogged += 1
        if self.error_log_ms <= 0:
            more = self.errors_unlogged - 1
            self.errors_unlogged = 0
            self.error_log_ms = ERROR_LOG_EVERY_MS
            try:
                text = "%s: %s" % (type(exc).__name__, exc)
                if more:
                    text += " (and %d more errors since the last report)" % more
                self.send(protocol.log("error", text))
            except Exception:
                pass

    # -- commands -------------------------------------------------------
    def _too_long(self):
        self.refuse(None, "too_long", "line longer than %d bytes" % protocol.MAX_LINE)

    def handle(self, line):
        try:
            cmd, cmd_id, args = protocol.decode_command(line)
        except protocol.BadCommand as e:
            self.refuse(e.id, e.code, e.msg)
            return
        if cmd == "hello":
            self.hello(cmd_id)
            return
        try:
            extra = self.apply(cmd, args)
        except protocol.BadCommand as e:  # settings.Invalid, wifi.BadWifi
            self.send(protocol.error(cmd_id, e.code, e.msg))
            return
        except OSError as e:
            self.send(protocol.error(cmd_id, "io", "could not write %s: %s"
                                     % ("wifi.json" if cmd == "wifi" else "settings", e)))
            return
        self.send(protocol.ack(cmd_id, cmd, extra))

    def apply(self, cmd, args):
        if cmd == "ping":
            return {"ms": self.board.ticks_ms()}
        if cmd == "wifi":
            return {"wifi": self.store_wifi(args)}
        if cmd == "get":
            return {"settings": self.settings, "saved": self.settings == self.stored,
                    "wifi": self.wifi_public()}
        if cmd in ("set", "reset"):
            self.settings = (settings.merge(self.settings, args) if cmd == "set"
                             else settings.defaults())
            self.watchdog()
            # Sample and report now: the host sees the new band without waiting a period.
            self.next_sample = self.next_tele = self.board.ticks_ms()
        elif cmd == "save":
            # Flash wears with every write: an unchanged save writes nothing.
            if self.settings != self.stored:
                settings.save(self.path, self.settings)
                self.stored = dict(self.settings)
            self.warning = None
        return {"settings": self.settings, "saved": self.settings == self.stored}

    def store_wifi(self, args):
        # {} shows the stored config; {"off": true} removes it; ssid/password/broker(...)
        # replace it. -> public(config). Takes effect at once: the old session (if any)
        # closes, the new one starts on the next pass of the loop.
        wifi = _wifi()
        config = wifi.request(args)
        if config is None:
            wifi.remove(self.wifi_path)
        elif config:
            wifi.save(self.wifi_path, config)
        if config != {}:
            self.wifi_config = config
            self.wifi_warning = None
            self.stop_net()
            self.start_net()
        return wifi.public(self.wifi_config)

    # -- the network (only with a wifi.json) -------------------------------
    def start_net(self):
        # A network that cannot start (a plain Pico has no Wi-Fi chip) is one error
        # line and Wi-Fi off, never a fan fault; the stored config stays for the user.
        if self.wifi_config is not None:
            self.identity = {"fw": FIRMWARE_VERSION, "board": self.board.name}
            self.net_log_at = None  # when the next network error may be logged (None: now)
            try:
                from fanctl.net import Net  # (never loaded on a USB-only board)

                self.net = Net(self.board, self.wifi_config, self.uid, self.apply, self.note)
            except Exception as e:
                self.network_error(e)

    def stop_net(self):
        net, self.net = self.net, None
        if net is not None:
            net.stop()

    def note(self, level, text):
        self.send(protocol.log(level, text))

    def network(self, net, sampled):
        # After the sample and the USB telemetry, never before them: bounded work on
        # Wi-Fi, MQTT and Home Assistant, which reads the board's state (self.state) on
        # a pass that sampled, at its own rate. A fault in it is the network's, not the
        # fan's: the fan and sampling go on as they were.
        try:
            net.poll(self.identity, self.settings, self.state if sampled else None)
        except Exception as e:
            self.network_error(e)

    def network_error(self, e):
        # Logged once per ERROR_LOG_EVERY_MS at most.
        now = self.board.ticks_ms()
        if self.net_log_at is None or self.board.ticks_diff(now, self.net_log_at) >= 0:
            self.net_log_at = self.board.ticks_add(now, ERROR_LOG_EVERY_MS)
            try:
                self.note("error", "network: %s: %s" % (type(e).__name__, e))
            except Exception:
                pass

    def wifi_public(self):
        return None if self.wifi_config is None else _wifi().public(self.wifi_config)

    def watchdog(self):
        # Start, retime or stop the hardware watchdog to match the settings.
        want = self.settings["watchdog_ms"]
        if want != self.watchdog_ms:
            if want:
                self.board.watchdog_start(want)
            else:
                self.board.watchdog_stop()
            self.watchdog_ms = want

    # -- the loop -------------------------------------------------------
    def full_power(self):
        # The fan at full power in the way it is wired; if even that fails, GPIO2 as a
        # plain output at the level that means full power for the wiring.
        try:
            self.fan.full(self.settings)
        except Exception:
            s = self.settings
            self.board.fan(s["output"] != "pwm" or s["pwm_invert"] != "on")

    def start(self):
        self.hello()
        if self.warning:
            self.send(protocol.log("warn", self.warning))
        if self.wifi_warning:
            self.send(protocol.log("warn", self.wifi_warning))
        self.last_sample_ms = self.next_sample = self.next_tele = self.board.ticks_ms()
        self.watchdog()
        self.start_net()

    def tick(self):
        # One pass: take input until the next sample is due, sample and report when due,
        # then sleep until the next sample or the next byte of input. Returns True when
        # it sampled. Nothing the loop raises stops sampling or telemetry.
        board = self.board
        sampled = False
        try:
            if self.watchdog_ms:
                board.watchdog_feed()
            self.reader.poll(self.next_sample, self.out)
        except Exception as e:
            self.fail_safe(e)
        now = board.ticks_ms()
        if board.ticks_diff(now, self.next_sample) >= 0:
            dt = board.ticks_diff(now, self.last_sample_ms)
            self.last_sample_ms = now
            self.next_sample = self._next(self.next_sample, self.settings["sample_ms"], now)
            self.error_log_ms -= dt
            try:
                self.sample(dt)
            except Exception as e:
                self.fail_safe(e)
            sampled = True
            try:
                self.status_led(dt)
                if board.ticks_diff(now, self.next_tele) >= 0:
                    self.next_tele = self._next(self.next_tele, self.settings["interval_ms"],
                                                now)
                    self.out.put_written(self.state)
                    self.seq = (self.seq + 1) & protocol.SEQ_MASK
            except Exception as e:
                self.fail_safe(e)
        net = self.net
        if net is not None:
            self.network(net, sampled)
        try:
            self.out.pump()
            wait = board.ticks_diff(self.next_sample, board.ticks_ms())
            if wait > 0:
                board.wait(wait)
        except Exception as e:
            self.fail_safe(e)
        return sampled

    def run(self, cycles=-1):
        # cycles < 0: forever. Ctrl-C (KeyboardInterrupt) ends it with the fan on and
        # the watchdog stopped: the board then sits at the REPL, where nothing feeds it.
        try:
            self.start()
            while cycles != 0:
                if self.tick() and cycles > 0:
                    cycles -= 1
        finally:
            self.board.watchdog_stop()
            self.full_power()
            self.board.led(False)
            try:
                self.stop_net()
            except Exception:
                pass
            try:
                self.send(protocol.log("info", "stopped; fan left on"))
            except Exception:
                pass

    def _next(self, due, period, now):
        due = self.board.ticks_add(due, period)
        # Fell a whole period behind (a slow host, a long command): restart the schedule.
        if self.board.ticks_diff(now, due) >= period:
            due = self.board.ticks_add(now, period)
        return due


def _wifi():
    # fanctl.wifi, imported once there is a wifi.json or a wifi command: a USB-only
    # board spends no RAM on it (about 7 KB on the unix port).
    from fanctl import wifi

    return wifi


def _exists(path):
    try:
        os.stat(path)
    except OSError:
        return False
    return True
