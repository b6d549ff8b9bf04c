# Runs inside MicroPython's unix port (see memory.py --measure mqtt): the heap fanctl.mqtt takes
# once imported, with a client built, and during a session with a real broker on
# 127.0.0.1:PORT (argv[1]; "-" for the import only). Prints "name value" lines.
import gc
import sys
import time

gc.collect()
base = gc.mem_alloc()
print("free_before_import", gc.mem_free())
from fanctl.mqtt import MQTTClient  # noqa: E402

gc.collect()
print("free_after_import", gc.mem_free())
print("import_bytes", gc.mem_alloc() - base)
if sys.argv[1] != "-":
    got = []
    client = MQTTClient("picofan-mem", "127.0.0.1", int(sys.argv[1]), keepalive=10,
                        will=("picofan/mem/availability", "offline", True, 1),
                        on_message=lambda t, p, retain: got.append(len(p)))
    gc.collect()
    print("client_bytes", gc.mem_alloc() - base)

    def poll_until(done):
        while not done():
            client.poll()
            if client.state == "down":
                raise SystemExit("down: " + client.last_error)
            time.sleep_ms(1)

    client.start()
    poll_until(lambda: client.state == "up")
    client.subscribe("picofan/mem/set/+", 1)
    poll_until(lambda: not client.inflight)
    state = '{"t":23.41,"duty":0.42,"rpm":1210,"fan":true,"mode":"auto","sp":30.5}'
    for _ in range(5):
        client.publish("picofan/mem/set/x", state, False, 1)  # comes back: received
        poll_until(lambda: not client.inflight)
    poll_until(lambda: len(got) == 5)
    gc.collect()
    print("free_in_session", gc.mem_free())
    print("session_bytes", gc.mem_alloc() - base)
    # garbage per loop pass that publishes one state message (QoS 0) and polls
    cycles = 200
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    for _ in range(cycles):
        client.publish("picofan/mem/state", state)
        client.poll()
    per = (gc.mem_alloc() - before) / cycles
    before = gc.mem_alloc()
    for _ in range(cycles):
        client.poll()
    idle = (gc.mem_alloc() - before) / cycles
    gc.enable()
    topic = b"picofan/mem/state"
    payload = state.encode()
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    for _ in range(cycles):
        client.publish(topic, payload)
        client.poll()
    per_bytes = (gc.mem_alloc() - before) / cycles
    gc.enable()
    print("alloc_per_publish_and_poll", per)
    print("alloc_per_bytes_publish_and_poll", per_bytes)
    print("alloc_per_idle_poll", idle)
    client.close()
