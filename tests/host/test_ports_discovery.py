"""Discovery: every board there is now (ports.board_ports), real and virtual. A running
virtual Pico registers itself in the runtime folder ($PICOFAN_RUNTIME_DIR: conftest
gives every test its own) and is listed while its port exists; a stopped one is gone,
a killed one's registration is ignored and tidied away. Real simulators throughout;
the operating system's USB port list (pyserial's comports) is stood in for only where
a real Pico must be plugged in, which cannot happen here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from polling import until
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from picofan import ports
from picofan.sim.process import SimProcess


def listed() -> dict[str, ports.Candidate]:
    return {c.device: c for c in ports.board_ports()}


def test_running_virtual_picos_are_boards_while_their_port_exists(
        own_runtime_dir: Path) -> None:
    assert listed() == {}
    with SimProcess(seed=41) as a, SimProcess(seed=42) as b:
        found = listed()
        assert set(found) == {a.port, b.port}
        for sim in (a, b):
            board = found[sim.port]
            assert board.is_virtual and board.sim_pid == sim.proc.pid
            assert board.serial_number == sim.info["uid"]  # as a real Pico's USB serial
            assert board.control == sim.control_path
        assert found[a.port].serial_number != found[b.port].serial_number
        b.control("unplug 3")  # its port goes away, as a real board's does, and comes back
        until(lambda: set(listed()) == {a.port}, "the unplugged board off the list")
        until(lambda: set(listed()) == {a.port, b.port}, "the board back after the unplug")
    assert listed() == {}
    assert not list(own_runtime_dir.glob("*.json"))  # each removed its registration


def test_an_unlisted_sim_is_nobody_elses(own_runtime_dir: Path) -> None:
    # `picofan monitor --sim` and friends start one for themselves: no other tool takes it.
    with SimProcess(seed=43, listed=False), SimProcess(seed=44) as listed_sim:
        assert set(listed()) == {listed_sim.port}


def test_a_killed_sims_registration_is_ignored_and_removed(own_runtime_dir: Path) -> None:
    with SimProcess(seed=45) as sim:
        (registration,) = own_runtime_dir.glob("sim-*.json")
        sim.proc.kill()  # no cleanup runs
        sim.proc.wait()
        assert registration.exists()
        assert listed() == {}
        assert not registration.exists()


def test_a_registration_naming_a_dead_process_is_stale_even_if_its_port_exists(
        own_runtime_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(done.stdout)
    port = tmp_path / "tty"
    port.touch()
    stale = own_runtime_dir / f"sim-{dead}.json"
    stale.write_text(json.dumps({"pid": dead, "port": str(port)}))
    (own_runtime_dir / "sim-1.json").write_text("{half written")  # not a board, kept
    live = own_runtime_dir / f"sim-{os.getpid()}.json"
    live.write_text(json.dumps({"pid": os.getpid(), "port": str(port), "uid": "00aa"}))
    assert [(c.device, c.sim_pid) for c in ports.board_ports()] == [(str(port), os.getpid())]
    assert not stale.exists() and (own_runtime_dir / "sim-1.json").exists()


def test_the_runtime_folder_is_the_env_vars(own_runtime_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert ports.runtime_dir() == own_runtime_dir
    with SimProcess(seed=46) as sim:
        assert set(listed()) == {sim.port}
        monkeypatch.setenv(ports.RUNTIME_DIR_ENV, str(tmp_path / "elsewhere"))
        assert listed() == {}  # another run's sims are not ours


def test_picofan_sim_without_link_registers_a_stable_port_and_goes_cleanly(
        own_runtime_dir: Path, tmp_path: Path) -> None:
    picofan = str(Path(sys.executable).with_name("picofan"))
    proc = subprocess.Popen([picofan, "sim", "--control", str(tmp_path / "ctl.sock"),
                             "--flash", str(tmp_path / "flash")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin and proc.stdout
    try:
        banner = proc.stdout.readline()
        link = own_runtime_dir / f"sim-{proc.pid}.tty"
        assert f"(and {link})" in banner
        (board,) = ports.board_ports()
        assert board.device == str(link) and board.sim_pid == proc.pid
        assert os.readlink(link).startswith("/dev/pts/")
    finally:
        proc.stdin.write("quit\n")
        proc.stdin.close()
        assert proc.wait(60) == 0
        proc.stdout.close()
    assert list(own_runtime_dir.iterdir()) == []  # registration and link gone


@pytest.fixture
def no_usb_ports(monkeypatch: pytest.MonkeyPatch) -> list[ListPortInfo]:
    plugged: list[ListPortInfo] = []
    monkeypatch.setattr(list_ports, "comports", lambda *a, **kw: list(plugged))
    return plugged


def test_choose_never_picks_a_virtual_pico_but_names_it(no_usb_ports: list[ListPortInfo]
                                                        ) -> None:
    with SimProcess(seed=47) as sim:
        with pytest.raises(ports.PortError, match="no Pico found") as e:
            ports.choose()
        assert f"--port {sim.port}" in str(e.value) and "virtual" in str(e.value)
        # A real Pico plugged in as well: it is the one, as before.
        real = ListPortInfo("/dev/ttyACM0", skip_link_detection=True)
        real.vid, real.pid = ports.PICO_VID, ports.MICROPYTHON_PID
        no_usb_ports.append(real)
        assert ports.choose() == "/dev/ttyACM0"
        assert [c.device for c in ports.board_ports()] == ["/dev/ttyACM0", sim.port]


def test_picofan_sim_with_a_bad_script_leaves_nothing_behind(own_runtime_dir: Path,
                                                            tmp_path: Path) -> None:
    picofan = str(Path(sys.executable).with_name("picofan"))
    done = subprocess.run([picofan, "sim", "--script", "jump", "--control",
                           str(tmp_path / "ctl.sock"), "--flash", str(tmp_path / "flash")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "bad --script command 'jump'" in done.stderr
    assert list(own_runtime_dir.iterdir()) == []  # no registration, no port link
