"""`picofan bridge` given bad options: one line each, exit 2, nothing started (no
virtual Pico, no connection); no board: exit 3. And a broker that is not there yet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bridge_process import BridgeProcess
from mqtt_broker import TestBroker, free_port
from mqtt_watch import Watcher
from picofan_cli import run

Start = Callable[..., BridgeProcess]


@pytest.mark.parametrize(("args", "says"), [
    (["--broker", "http://localhost"], "write mqtt://HOST[:PORT]"),
    (["--broker", "mqtt://"], "no host"),
    (["--broker", "mqtt://localhost:99999"], "port must be a number"),
    (["--broker", "mqtt://localhost/topic"], "only a host and a port"),
    (["--broker", "mqtt://me:hunter2@localhost"], "no user or password in the URL"),
    (["--broker", "mqtt://localhost", "--ca-file", "/etc/hostname"], "for mqtts://"),
    (["--broker", "mqtts://localhost", "--ca-file", "/nonexistent.pem"], "no such file"),
    (["--broker", "mqtts://localhost", "--ca-file", "/etc/hostname"], "not a CA certificate"),
    (["--credentials", "/nonexistent"], "cannot read it"),
    (["--rate", "0"], "--rate is a number above 0"),
    (["--rate", "nan"], "--rate is a number above 0"),
    (["--rate", "-1"], "--rate is a number above 0"),
    (["--rate", "1e9"], "at most 100"),
    (["--discovery-jitter", "-1"], "--discovery-jitter is a number 0 or more"),
    (["--discovery-prefix", "home/assistant"], "one topic level"),
    (["--sim", "0"], "a number of virtual Picos"),
    (["--sim", "lots"], "a number of virtual Picos"),
    (["--port", "/dev/ttyACM0", "--all"], "not allowed with argument"),
])
def test_bad_options_are_one_line_and_start_nothing(args: list[str], says: str) -> None:
    done = run("bridge", *args, "--sim", "1") if "--sim" not in args else run("bridge", *args)
    assert done.returncode == 2, done
    assert says in done.stderr
    # one line: no "virtual Pico 1 on …" before it (nothing was started)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert "hunter2" not in done.stderr


def test_an_empty_login_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "login").write_text("\n")
    done = run("bridge", "--credentials", str(tmp_path / "login"), "--sim", "1")
    assert done.returncode == 2 and "the first line must be the user name" in done.stderr


def test_no_board_is_exit_3() -> None:
    # (no --port, --all or --sim: the only Pico plugged in, and there is none here)
    done = run("bridge", "--broker", f"mqtt://127.0.0.1:{free_port()}")
    assert done.returncode == 3 and "no Pico found" in done.stderr


def test_the_broker_may_come_after_the_bridge(tmp_path: Path, bridge: Start) -> None:
    port = free_port()
    run_ = bridge("--sim", "1", url=f"mqtt://127.0.0.1:{port}")
    run_.wait_log("cannot reach the broker")
    run_.wait_log("online on")  # the board is served meanwhile
    broker = TestBroker(tmp_path / "late", port=port)  # on the port the bridge was told
    home = Watcher(broker.port)
    try:
        home.configs(1)
        assert run_.log.count("cannot reach the broker") == 1  # said once, not per try
    finally:
        home.close()
        broker.close()


def test_the_first_log_line_names_the_home_assistant_it_needs(bridge: Start) -> None:
    # An older Home Assistant ignores device-based discovery with one warning in its
    # own log: the bridge's log says what it needs before anything else.
    run_ = bridge("--all")
    log = run_.wait_log(r"picofan bridge: [^\n]*\n")
    first = log.splitlines()[0]
    assert first.startswith("picofan bridge: broker mqtt://127.0.0.1:"), log
    assert "Home Assistant 2024.12 or newer" in first, log
