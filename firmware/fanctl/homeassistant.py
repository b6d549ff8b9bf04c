# Home Assistant from the board itself, over Wi-Fi and MQTT, with no bridge: the same
# discovery, availability, state and command results the bridge publishes for a board
# on USB (fanctl.ha holds the definitions), so a board keeps its entities either way.
# Never waits: every publish goes into the client's bounded buffer or is dropped (the
# client says which); what must get through (the discovery config, online, the
# subscriptions) is tried again on the next call until the client takes it.
import json

from fanctl import const, ha
from fanctl.protocol import BadCommand

_CONFIG = const(1)  # announce steps still to do (a bit each)
_ONLINE = const(2)
_SUBSCRIBE = const(4)
_COMPACT = (",", ":")


class HomeAssistant:
    # client: the MQTT client (publish(topic, payload, retain, qos) -> bool,
    # subscribe(filter, qos) -> bool, state "up" when connected); uid: hello's uid;
    # apply(cmd, args): the App's, "set" with settings or "save" with none -> {"settings",
    # "saved"}, raising fanctl.settings.Invalid or OSError; ticks: ticks_ms/ticks_diff;
    # log(level, text): one line on USB.
    # The client's last will must be ha.will(uid): offline, retained.
    def __init__(self, client, uid, apply, ticks, log, prefix=ha.DISCOVERY_PREFIX,
                 period_ms=ha.STATE_PERIOD_MS):
        self.client = client
        self.log = log
        self.uid = uid
        self.apply = apply
        self.ticks = ticks
        self.period_ms = period_ms
        self.config_topic = ha.config_topic(uid, prefix)
        self.state_topic = ha.topic(uid, "state")
        self.result_topic = ha.topic(uid, "result")
        self.hello = None
        self.settings = None
        self.todo = 0
        self.subscribed = 0  # of ha.command_filters(uid)
        self.shown = None  # ha.discovery_changes of the config last published
        self.sent = None  # the state payload last published, and when
        self.sent_ms = 0

    def on_up(self, hello, settings):
        # Connected (again): the discovery config (retained, qos 1), online (retained),
        # the command subscriptions, and the state at once. hello: its fw and board.
        self.hello = hello
        self.settings = settings
        self.todo = _CONFIG | _ONLINE | _SUBSCRIBE
        self.subscribed = 0
        self.sent = None
        self._announce()

    def _announce(self):
        client = self.client
        if self.todo & _CONFIG and client.publish(self.config_topic, self._discovery, True, 1):
            self.todo &= ~_CONFIG
            self.shown = ha.discovery_changes(self.settings)
        if self.todo & _ONLINE and client.publish(ha.topic(self.uid, "availability"),
                                                  ha.ONLINE, True, 1):
            self.todo &= ~_ONLINE
        if self.todo & _SUBSCRIBE:
            filters = ha.command_filters(self.uid)
            while self.subscribed < len(filters) and client.subscribe(
                    filters[self.subscribed], 1):
                self.subscribed += 1
            if self.subscribed == len(filters):
                self.todo &= ~_SUBSCRIBE

    def _discovery(self, out):
        # The config written straight into the client's buffer (about 6 KB for a PWM
        # fan: held whole as text it was the largest thing on the board's heap).
        ha.write_discovery(out, self.uid, self.hello, self.settings,
                           [ha.topic(self.uid, "availability")])

    def _settings(self, settings):
        self.settings = settings
        if ha.discovery_changes(settings) != self.shown:
            self.todo |= _CONFIG  # a new name, or the fan's entities come or go

    def poll(self, read, settings):
        # After a sample: read(), the board's state (App.state), becomes the state
        # payload as the bridge's does, an urgent change at once, a new reading at most
        # once a period: Home Assistant's own rate, whatever USB telemetry's interval.
        if self.hello is None or self.client.state != "up":
            return
        self._settings(settings)
        if self.todo:
            self._announce()
        new = ha.state(read(), settings, ha.VIA_WIFI)
        if new == self.sent:
            return
        now = self.ticks.ticks_ms()
        if (self.sent is not None and not ha.urgent(self.sent, new)
                and self.ticks.ticks_diff(now, self.sent_ms) < self.period_ms):
            return  # (the next sample's reading goes out when the period is up)
        if self.client.publish(self.state_topic, json.dumps(new, separators=_COMPACT),
                               True, 0):
            self.sent, self.sent_ms = new, now

    def on_message(self, topic, payload, retain=False):
        # A command from Home Assistant: read by the board's rules, applied, and answered
        # on picofan/ID/result; a refusal changes nothing.
        what = ha.command_topic(topic)
        if what is None or what[0] != self.uid or self.settings is None:
            return
        why = ha.not_a_command(topic, payload, retain)
        if why is not None:
            if why:
                self.log("warn", why)
            return
        kind, name = what[1], what[2]
        try:
            if kind == "save":
                ha.parse_save(payload)
                changes = {}
            elif kind == "fan":
                changes = ha.parse_fan(name, payload, self.settings)
            elif name is not None:
                changes = {name: ha.parse_value(name, payload)}
            else:
                changes = ha.parse_changes(payload)
            reply = self.apply("save" if kind == "save" else "set", changes)
        except BadCommand as e:
            self._result(ha.refusal(what, "board", e.code, e.msg, payload))
            return
        except OSError as e:
            self._result(ha.refusal(what, "board", "io", "could not write settings: %s" % e,
                                    payload))
            return
        new = reply["settings"]
        out = ha.result(what, True, "board")
        taken = {}
        for key in changes:
            taken[key] = new[key]
        out["settings"] = taken
        out["saved"] = reply["saved"]
        self._result(out)
        self._settings(new)
        if self.todo:
            self._announce()

    def _result(self, result):
        # (dropped when the client has no room: a result is news, not state)
        self.client.publish(self.result_topic, json.dumps(result, separators=_COMPACT),
                            False, 1)
