# fanctl.mqtt's PUBLISH as it lands in the output buffer, with no socket: a payload
# writer (run twice: counted, then written into the buffer) gives the same bytes as the
# whole text, and a writer that is not the same twice, or does not fit, queues nothing.
# (Its sessions with a real broker: tests/micropython/test_mqtt.py, on the unix port.)
from fanctl.mqtt import MQTTClient

TEXT = '{"name":"Gewächshaus fan","cmps":{"temp":{"p":"sensor"}}}'  # not all ASCII


def up_client(tx_size=256):
    # A client as after its CONNACK, but with nothing to write to: what publish queues
    # stays in the buffer.
    client = MQTTClient("picofan-test", "127.0.0.1", 1883, tx_size=tx_size)
    client.state = "up"
    return client


def queued(client):
    return bytes(client.tx[client.tx_head:client.tx_tail])


def pieces_of(text, size=7):
    def write(out):
        for i in range(0, len(text), size):
            out.write(text[i:i + size])
    return write


def test_a_writer_gives_the_same_packet_as_the_whole_text():
    for qos in (0, 1):
        whole, written = up_client(), up_client()
        assert whole.publish("homeassistant/device/x/config", TEXT, True, qos)
        assert written.publish("homeassistant/device/x/config", pieces_of(TEXT), True, qos)
        assert queued(written) == queued(whole) and len(queued(whole)) > len(TEXT)
        assert len(written.inflight) == qos


def fickle(second):
    # A writer that writes TEXT when counted and `second` when written.
    calls = []

    def write(out):
        calls.append(1)
        out.write(TEXT if len(calls) == 1 else second)
    return write


def test_a_writer_that_writes_more_or_less_the_second_time_queues_nothing():
    for second in (TEXT + "x", TEXT[:-1]):
        client = up_client()
        assert client.publish("t", "first")
        before = queued(client)
        assert not client.publish("t", fickle(second), False, 1)
        assert queued(client) == before and client.inflight == {}
        assert client.publish("t", "after")  # and the buffer goes on as before
        assert queued(client).startswith(before) and queued(client).endswith(b"after")


def test_a_writer_that_does_not_fit_queues_nothing_and_writes_nothing():
    client = up_client(tx_size=40)
    calls = []

    def write(out):
        calls.append(1)
        out.write(TEXT)

    assert not client.publish("t", write)
    assert queued(client) == b"" and calls == [1]  # counted only, never written


def test_a_writer_that_fails_leaves_no_half_packet_behind():
    calls = []

    def broken(out):
        calls.append(1)
        if len(calls) == 2:
            out.write("{")
            raise KeyError("name")
        out.write(TEXT)

    client = up_client()
    assert client.publish("t", "first")
    before = queued(client)
    try:
        client.publish("t", broken)
    except KeyError:
        pass
    else:
        raise AssertionError("the writer's error was swallowed")
    assert queued(client) == before
