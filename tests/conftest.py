"""Shared fixtures: a virtual Pico in its own process, and a pyserial port on it."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from mqtt_broker import TestBroker
from mqtt_watch import Watcher

from device_port import Port
from picofan import ports
from picofan.sim.process import SimProcess

# No per-example deadline: a timing limit on a shared, noisy machine is not a test.
settings.register_profile("picofan", deadline=None, derandomize=False)
settings.load_profile("picofan")


# Virtual Picos register themselves in a runtime folder (picofan.ports): the tests'
# never go into the user's, and (below) each test has its own, so no test sees
# another's simulators, nor a session-wide one.
os.environ[ports.RUNTIME_DIR_ENV] = tempfile.mkdtemp(prefix="picofan-test-runtime-")
atexit.register(shutil.rmtree, os.environ[ports.RUNTIME_DIR_ENV], ignore_errors=True)


@pytest.fixture(autouse=True)
def own_runtime_dir(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("runtime")
    monkeypatch.setenv(ports.RUNTIME_DIR_ENV, str(folder))
    return folder


@pytest.fixture(autouse=True)
def own_state_dir(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """What picofan keeps per user (calibration histories) goes to a folder of the test's
    own, never the user's, nor one that tests running side by side share."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


SHORT_TEMP = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """In parallel, the tests' temporary folders under a short root of their own: xdist
    puts each worker's under ROOT/popen-gwN, and a virtual Pico's control socket in a
    test's folder must stay within AF_UNIX's 108 bytes."""
    if (config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses", None)
            and not hasattr(config, "workerinput") and not config.option.basetemp):
        config.option.basetemp = tempfile.mkdtemp(prefix="pf-")
        config.stash[SHORT_TEMP] = Path(config.option.basetemp)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The short root goes when every test passed (kept, as pytest keeps its own, to look
    into a failure)."""
    root = session.config.stash.get(SHORT_TEMP, None)
    if root is not None and exitstatus == 0:
        shutil.rmtree(root, ignore_errors=True)


def shared_fixture(item: pytest.Item) -> str | None:
    """The module- or session-scoped fixture of the tests' own that item uses, if any
    (a wheel built, the drawings rendered, the firmware's tests run on MicroPython)."""
    info = getattr(item, "_fixtureinfo", None)
    for name, defs in (info.name2fixturedefs.items() if info else ()):
        for d in defs:
            if d.scope in ("module", "session") and d.baseid.startswith("tests"):
                return f"{d.baseid}::{name}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In parallel (`make test`: pytest-xdist, --dist loadgroup), the tests that share an
    expensive fixture run on one worker, which builds it once; and the slow tests start
    first, so that no long one is left running alone at the end."""
    if config.getoption("dist", "no") == "loadgroup":
        for item in items:
            shared = shared_fixture(item)
            if shared:
                item.add_marker(pytest.mark.xdist_group(shared))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_report_header() -> str:
    from mqtt_broker import kind

    return f"MQTT broker for the bridge tests: {kind()}"


@pytest.fixture
def sim() -> Iterator[SimProcess]:
    with SimProcess(speed=50, seed=7) as s:
        yield s


@pytest.fixture
def port(sim: SimProcess) -> Iterator[Port]:
    p = Port(sim.port)
    yield p
    p.close()


# A real MQTT broker on a free port (Mosquitto, else amqtt), and a subscriber in Home
# Assistant's seat: the bridge's, the MQTT client's and the board-on-Wi-Fi tests'.
@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TestBroker]:
    b = TestBroker(tmp_path / "broker")
    yield b
    b.close()


@pytest.fixture
def home(broker: TestBroker) -> Iterator[Watcher]:
    w = Watcher(broker.port)
    yield w
    w.close()
