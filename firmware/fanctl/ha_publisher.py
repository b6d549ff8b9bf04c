# Home Assistant from the board itself, over Wi-Fi and MQTT, with no bridge: the same
# discovery, availability, state and command results the bridge publishes for a board
# on USB (fanctl.ha_schema and its neighbours hold the definitions, fanctl.ha_policy
# when each goes out), so a board keeps its entities either way.
# Never waits: every publish goes into the client's bounded buffer or is dropped (the
# client says which); what must get through (the discovery config, online, the
# subscriptions) is tried again on the next call until the client takes it.
import json

from fanctl import ha_commands, ha_schema
from fanctl.ha_policy import STATE_PERIOD_MS, OnBroker
from fanctl.protocol import BadCommand

_COMPACT = (",", ":")


class HomeAssistant:
    # client: the MQTT client (publish(topic, payload, retain, qos) -> bool,
    # subscribe(filter, qos) -> bool, state "up" when connected); uid: hello's uid;
    # apply(cmd, args): the App's, "set" with settings or "save" with none -> {"settings",
    # "saved"}, raising fanctl.protocol.BadCommand or OSError; ticks: ticks_ms/ticks_diff;
    # log(level, text): one line on USB.
    # The client's last will must be ha_schema.will(uid): offline, retained.
    def __init__(self, client, uid, apply, ticks, log, prefix=ha_schema.DISCOVERY_PREFIX,
                 period_ms=STATE_PERIOD_MS):
        self.client = client
        self.log = log
        self.uid = uid
        self.apply = apply
        self.ticks = ticks
        self.config_topic = ha_schema.config_topic(uid, prefix)
        self.state_topic = ha_schema.topic(uid, "state")
        self.result_topic = ha_schema.topic(uid, "result")
        self.hello = None
        self.settings = None
        # (config: what of the settings it shows, ha_schema.discovery_changes)
        self.on_broker = OnBroker(period_ms, ticks.ticks_diff)
        self.subscribed = -1  # of ha_schema.command_filters(uid); -1: all

    def on_up(self, hello, settings):
        # Connected (again): the discovery config (retained, qos 1), online (retained),
        # the command subscriptions, and the state at once. hello: its fw and board.
        self.hello = hello
        self.settings = settings
        self.subscribed = 0
        self.on_broker.forget()
        self._announce(ha_schema.discovery_changes(settings))

    def _announce(self, shown):
        # What is due of the config (shown: what of the settings it shows), online and
        # the subscriptions.
        client = self.client
        on_broker = self.on_broker
        if on_broker.config_due(shown) and client.publish(self.config_topic, self._discovery,
                                                          True, 1):
            on_broker.config = shown
        if on_broker.availability_due(ha_schema.ONLINE) and client.publish(
                ha_schema.topic(self.uid, "availability"), ha_schema.ONLINE, True, 1):
            on_broker.availability = ha_schema.ONLINE
        if self.subscribed >= 0:
            filters = ha_schema.command_filters(self.uid)
            while self.subscribed < len(filters) and client.subscribe(
                    filters[self.subscribed], 1):
                self.subscribed += 1
            if self.subscribed == len(filters):
                self.subscribed = -1

    def _discovery(self, out):
        # The config written straight into the client's buffer (about 6 KB for a PWM
        # fan: held whole as text it was the largest thing on the board's heap).
        ha_schema.write_discovery(out, self.uid, self.hello, self.settings,
                                  [ha_schema.topic(self.uid, "availability")])

    def _settings(self, settings):
        # (the config again on a new name, or when the fan's entities come or go)
        self.settings = settings
        self._announce(ha_schema.discovery_changes(settings))

    def poll(self, read, settings):
        # After a sample: read(), the board's state (App.state), becomes the state
        # payload as the bridge's does, an urgent change at once, a new reading at most
        # once a period: Home Assistant's own rate, whatever USB telemetry's interval.
        if self.hello is None or self.client.state != "up":
            return
        self._settings(settings)
        new = ha_schema.state(read(), settings, ha_schema.VIA_WIFI)
        now = self.ticks.ticks_ms()
        if self.on_broker.state_wait(new, now) != 0:
            return  # (the next sample's reading goes out when the period is up)
        if self.client.publish(self.state_topic, json.dumps(new, separators=_COMPACT),
                               True, 0):
            self.on_broker.state_sent(new, now)

    def on_message(self, topic, payload, retain=False):
        # A command from Home Assistant: read by the board's rules, applied, and answered
        # on picofan/ID/result; a refusal changes nothing.
        what = ha_commands.command_topic(topic)
        if what is None or what[0] != self.uid or self.settings is None:
            return
        why = ha_commands.not_a_command(topic, payload, retain)
        if why is not None:
            if why:
                self.log("warn", why)
            return
        kind, name = what[1], what[2]
        try:
            if kind == "save":
                ha_commands.parse_save(payload)
                changes = {}
            elif kind == "fan":
                changes = ha_commands.parse_fan(name, payload, self.settings)
            elif name is not None:
                changes = {name: ha_commands.parse_value(name, payload)}
            else:
                changes = ha_commands.parse_changes(payload)
            reply = self.apply("save" if kind == "save" else "set", changes)
        except BadCommand as e:
            self._result(ha_commands.refusal(what, "board", e.code, e.msg, payload))
            return
        except OSError as e:
            self._result(ha_commands.refusal(what, "board", "io",
                                             "could not write settings: %s" % e, payload))
            return
        new = reply["settings"]
        out = ha_commands.result(what, True, "board")
        taken = {}
        for key in changes:
            taken[key] = new[key]
        out["settings"] = taken
        out["saved"] = reply["saved"]
        self._result(out)
        self._settings(new)

    def _result(self, result):
        # (dropped when the client has no room: a result is news, not state)
        self.client.publish(self.result_topic, json.dumps(result, separators=_COMPACT),
                            False, 1)
