"""The README's "Several boards at once" with `picofan bridge --all`, as a person runs
it: `picofan sim` in three terminals (no option), then the bridge, against a real
broker: three devices in Home Assistant. Two virtual Picos given one --seed are two
boards with one unique id (a cloned flash): the second is refused in one line, and
the first stays the device."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

from bridge_process import BridgeProcess
from mqtt_watch import Watcher
from picofan_cli import registered_uid, sims
from polling import until

from picofan.bridge import ha_schema as ha


def online(home: Watcher, bid: str) -> bool:
    last = home.last(ha.Topics(bid).availability)
    return last is not None and last.text == "online"


def test_three_sims_are_three_devices(tmp_path: Path, own_runtime_dir: Path, home: Watcher,
                                      bridge: Callable[..., BridgeProcess]) -> None:
    with contextlib.ExitStack() as stack:
        boards = sims(stack, tmp_path, count=3)
        uids = {registered_uid(own_runtime_dir, sim) for sim in boards}
        b = bridge("--all")
        found = home.configs(3)
        assert set(found) == uids
        until(lambda: all(online(home, uid) for uid in uids), "the three boards online")
        log = b.wait_log(r": online on ", 3)
        assert "already has" not in log


def test_a_second_board_with_the_same_uid_is_refused(
        tmp_path: Path, own_runtime_dir: Path, home: Watcher,
        bridge: Callable[..., BridgeProcess]) -> None:
    with contextlib.ExitStack() as stack:
        first, clone = sims(stack, tmp_path, "--seed", "9", count=2)
        uid = registered_uid(own_runtime_dir, first)
        b = bridge("--all")
        log = b.wait_log("already has")
        refused = [line for line in log.splitlines() if "already has" in line]
        assert len(refused) == 1, log
        assert uid in refused[0] and first.port in refused[0] and clone.port in refused[0]
        # The board that came first is the device, and it takes commands.
        kept = first.port if re.search(rf"{re.escape(clone.port)}: not bridged", log) \
            else clone.port
        assert re.search(rf"online on {re.escape(kept)}", log), log
        until(lambda: online(home, uid), "the first board online")
        mark = home.mark()
        home.publish(ha.Topics(uid).set_one("setpoint"), "33")
        home.wait_json(ha.Topics(uid).result, lambda r: r["ok"], mark)
        assert list(home.configs(1)) == [uid]
        assert "already has" not in b.log.replace(refused[0], "")  # said once
