# Runs fanctl.mqtt.MQTTClient on MicroPython's unix port for tests/micropython/
# test_mqtt.py: a loop like the firmware's (poll, then a short sleep that is the
# driver's, never the client's), commands as JSON lines on stdin, events as JSON lines
# on stdout. argv[1]: the client's keyword arguments as JSON.
import gc
import json
import select
import sys

from fanctl.dns import DNSResolver
from fanctl.mqtt import MQTTClient


def emit(event):
    print(json.dumps(event))


def on_message(topic, payload, retain):
    emit({"msg": topic, "payload": payload.decode(), "retain": retain})


def command(client, cmd, counts):
    do = cmd["do"]
    if do == "start":
        client.start()
        return True
    if do == "publish":
        return client.publish(cmd["topic"], cmd["payload"], cmd.get("retain", False),
                              cmd.get("qos", 0))
    if do == "subscribe":
        return client.subscribe(cmd["topic"], cmd.get("qos", 0))
    if do == "close":
        client.close()
        return True
    if do == "stats":
        return {"polls": counts[0], "state": client.state, "error": client.last_error,
                "inflight": len(client.inflight), "received": client.received,
                "pings": client.pings, "skipped": client.skipped}
    if do == "mem":
        gc.collect()
        return {"free": gc.mem_free(), "alloc": gc.mem_alloc()}
    raise ValueError(do)


def main():
    args = json.loads(sys.argv[1])
    dns = args.pop("dns", None)  # DNSResolver's keyword arguments, for resolve=
    if dns:
        args["resolve"] = DNSResolver(**dns)
    gc.collect()
    client = MQTTClient(on_message=on_message, **args)
    stdin = select.poll()
    stdin.register(sys.stdin, select.POLLIN)
    counts = [0]
    emit({"state": client.state, "error": client.last_error})
    state = client.state
    while True:
        client.poll()
        counts[0] += 1
        if client.state != state:
            state = client.state
            emit({"state": state, "error": client.last_error})
        for _ in stdin.poll(2):
            line = sys.stdin.readline()
            if not line:
                return  # the test closed our stdin: end without DISCONNECT
            cmd = json.loads(line)
            if cmd["do"] == "quit":
                return
            emit({"id": cmd["id"], "reply": command(client, cmd, counts)})
            if cmd["do"] in ("start", "close"):  # (its state, even when it came back)
                state = client.state
                emit({"state": state, "error": client.last_error})


main()
