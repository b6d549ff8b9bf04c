"""`picofan bridge` under load: BOARDS virtual Picos streaming LINES telemetry lines a
second each, warming (pinched), through one bridge to a real broker (Mosquitto if
installed, else amqtt: the broker is named in the output), watched by a subscriber.

    .venv/bin/python benchmarks/bridge.py [BOARDS] [LINES] [SECONDS]   (10 50 30)

Printed: lines in and messages out per second, with the default rate limit (1 state
message per second per board) and with it out of the way (--rate 100); the bridge's CPU
and memory; and latencies measured at the subscriber: a fault on a board -> its state
on the broker, an MQTT command -> its result (the board's ack), an unplug -> offline,
SIGKILL -> the last will."""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/rigs"))  # the rigs the tests use too
from bridge_process import BridgeProcess  # noqa: E402
from mqtt_broker import TestBroker  # noqa: E402
from mqtt_watch import Seen, Watcher  # noqa: E402
from polling import until  # noqa: E402

from picofan.bridge import ha  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


def stream(run: BridgeProcess, home: Watcher, boards: int, lines: int) -> list[str]:
    """Every board on `lines` telemetry lines a second, warming; their ids."""
    ids = sorted(home.configs(boards))
    period = 1000 // lines
    sample = period if period < 100 else 100
    for bid in ids:
        mark = home.mark()
        home.publish(ha.Topics(bid).set_all,
                     f'{{"sample_ms": {sample}, "interval_ms": {period}}}')
        assert home.wait_json(ha.Topics(bid).result, since=mark)["ok"]
    for n in range(1, boards + 1):
        run.control(n, "pinch")
    return ids


def measure(run: BridgeProcess, home: Watcher, boards: int, seconds: float) -> dict[str, float]:
    pid = run.proc.pid
    tele0 = sum(run.control(n, "status")["state"]["tele_sent"] for n in range(1, boards + 1))
    mark, cpu0, rss0, t0 = home.mark(), cpu_s(pid), rss_mb(pid), time.monotonic()
    rss = []
    for _ in range(10):  # a measuring window, not a wait for a condition
        time.sleep(seconds / 10)
        rss.append(rss_mb(pid))
    t1, cpu1, rss1 = time.monotonic(), cpu_s(pid), rss_mb(pid)
    print(f"    RSS every {seconds / 10:g} s: " + " ".join(f"{x:.1f}" for x in rss) + " MB")
    tele1 = sum(run.control(n, "status")["state"]["tele_sent"] for n in range(1, boards + 1))
    states = sum(1 for m in home.seen[mark:] if m.topic.endswith("/state"))
    wall = t1 - t0
    return {"lines_s": (tele1 - tele0) / wall, "msgs_s": states / wall,
            "cpu": 100 * (cpu1 - cpu0) / wall, "rss0": rss0, "rss1": rss1}


def main() -> None:
    boards = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    folder = Path(tempfile.mkdtemp(prefix="picofan-bench-bridge-"))
    broker = TestBroker(folder / "broker")
    print(f"picofan bridge: {boards} virtual Picos at {lines} lines/s each, {seconds:g} s "
          f"windows, broker {broker.kind}, {os.cpu_count()} cores")
    try:
        for label, args in (("rate limited (default: 1/s per board)", []),
                            ("not limited (--rate 100)", ["--rate", "100"])):
            broker.nodelay = False
            broker.restart()  # nothing retained from the run before
            home = Watcher(broker.port)
            run = BridgeProcess(folder / f"bridge-{len(args)}", broker.url, "--sim",
                                str(boards), *args)
            try:
                ids = stream(run, home, boards, lines)
                m = measure(run, home, boards, seconds)
                print(f"  {label}:")
                print(f"    telemetry in        {m['lines_s']:8.1f} lines/s "
                      f"({m['lines_s'] / boards:.1f} per board)")
                print(f"    state messages out  {m['msgs_s']:8.1f} /s "
                      f"({m['msgs_s'] / boards:.2f} per board)")
                print(f"    bridge CPU          {m['cpu']:8.1f} % of one core")
                print(f"    bridge memory (RSS) {m['rss0']:8.1f} MB -> {m['rss1']:.1f} MB")
                if not args:
                    latencies(run, home, broker, ids)
            finally:
                run.close()
                home.close()
    finally:
        broker.close()


def fault_state(home: Watcher, since: int, fault: str | None, topic: str | None) -> Seen | None:
    return next((m for m in home.seen[since:] if m.topic.endswith("/state")
                 and topic in (None, m.topic) and m.json()["fault"] == fault), None)


def commands(home: Watcher, ids: list[str], count: int = 100) -> list[float]:
    """An MQTT command -> its result (published after the board's ack), one at a time."""
    took = []
    for i in range(count):
        bid = ids[i % len(ids)]
        mark = home.mark()
        t0 = time.monotonic()
        home.client.publish(ha.Topics(bid).set_one("setpoint"), f"{25 + i % 10}", qos=1)
        got = home.wait(ha.Topics(bid).result, since=mark)
        assert got.json()["ok"], got.json()
        took.append(got.at - t0)
    return took


def latencies(run: BridgeProcess, home: Watcher, broker: TestBroker, ids: list[str]) -> None:
    # a fault on board 1 -> its state on the broker (goes out at once, whatever the rate)
    fault: list[float] = []
    board1 = None
    for i in range(20):
        kind = "open" if i % 2 == 0 else "none"
        want = "open" if kind == "open" else None
        mark = home.mark()
        t0 = time.monotonic()
        run.control(1, f"fault {kind}")
        seen = until(lambda mark=mark, want=want, topic=board1: fault_state(
            home, mark, want, topic), "the fault state")
        board1 = seen.topic
        fault.append(seen.at - t0)
    command = commands(home, ids)
    # and again with Nagle's algorithm off in the broker and in the subscriber (the
    # bridge turns it off on its own socket)
    broker.nodelay = True
    broker.restart()
    quick = Watcher(broker.port, nodelay=True)
    run.wait_log("connected to the broker", 2)
    quick_command = commands(quick, ids)
    quick.close()
    home.wait(ha.Topics(ids[0]).state, since=len(home.seen))  # home is back too
    # unplug -> offline
    unplug: list[float] = []
    bid1 = board1.split("/")[1] if board1 else ids[0]
    for _ in range(5):
        home.wait_text(ha.Topics(bid1).availability, "online")
        mark = home.mark()
        t0 = time.monotonic()
        run.control(1, "unplug 1")
        unplug.append(home.wait_text(ha.Topics(bid1).availability, "offline", mark).at - t0)
        home.wait_text(ha.Topics(bid1).availability, "online", mark)
    # SIGKILL -> the will
    status = next(m.topic for m in home.seen if m.topic.endswith("/status")
                  and m.topic.startswith("picofan/bridge/"))
    mark = home.mark()
    t0 = time.monotonic()
    run.proc.send_signal(signal.SIGKILL)
    will = home.wait_text(status, "offline", mark).at - t0
    for name, v in (("fault on a board -> state on the broker", fault),
                    ("MQTT command -> result (board's ack)", command),
                    ("  the same, broker set_tcp_nodelay", quick_command),
                    ("unplug -> offline on the broker", unplug)):
        ms = [x * 1000 for x in v]
        print(f"    {name:40s} median {statistics.median(ms):6.1f} ms  p99 {pct(ms, 99):6.1f}"
              f" ms  max {max(ms):6.1f} ms  ({len(ms)})")
    print(f"    {'SIGKILL -> last will on the broker':40s} {will * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
