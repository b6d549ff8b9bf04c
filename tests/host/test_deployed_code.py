"""What `make flash` puts on the board is device code only: no host specification or
tools (those live in picofan.spec and never ship), nothing MicroPython lacks, and no
definition the firmware itself never uses."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import picofan.spec
from picofan.deploy import flash_plan

STUBS = Path(__file__).resolve().parents[2] / ".venv/pico-stubs"  # (the Makefile's)


def board_modules() -> set[str]:
    """What MicroPython on the Pico W provides: the modules its stubs describe, each
    also by its name without the `u` (ujson is json there)."""
    names = {p.name.removesuffix(".pyi") for p in STUBS.iterdir()
             if p.suffix == ".pyi" or (p / "__init__.pyi").exists()}
    assert {"machine", "network", "socket", "ujson"} <= names, f"no Pico W stubs in {STUBS}"
    return names | {n[1:] for n in names if n.startswith("u")}


def deployed() -> dict[str, ast.Module]:
    """Board path -> parsed source of every file `make flash` copies (as source)."""
    return {f.remote: ast.parse(f.data) for f in flash_plan()}


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def host_only_names() -> set[str]:
    names = {"encode_command"}
    for info in pkgutil.iter_modules(picofan.spec.__path__):
        module = importlib.import_module(f"picofan.spec.{info.name}")
        # the names it defines itself (not what it imports)
        names |= top_level_names(ast.parse(Path(module.__file__ or "").read_text()))
    return names


def test_the_deployed_files_are_the_firmware() -> None:
    files = deployed()
    assert {"main.py", "board.py", "fanctl/__init__.py", "fanctl/app.py"} <= set(files)
    assert all(path.endswith(".py") for path in files)


def test_nothing_host_only_is_deployed() -> None:
    host_only = host_only_names()
    assert {"MESSAGES", "FAULTS", "steinhart_fit", "c_to_counts", "HEADER"} <= host_only
    for path, tree in deployed().items():
        leaked = top_level_names(tree) & host_only
        assert not leaked, f"{path} defines host-only {sorted(leaked)}"


def test_the_deployed_code_imports_only_what_the_board_has() -> None:
    files = deployed()
    ours = {p[:-3].replace("/", ".").removesuffix(".__init__") for p in files}
    board = board_modules()
    for path, tree in files.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module in ours or module in board, f"{path} imports {module}"


def stub_names(module: str) -> set[str]:
    """What the Pico W's MicroPython defines in `module`: its stub's top-level names,
    those it imports included."""
    names: set[str] = set()
    body = list(ast.parse((STUBS / f"{module}.pyi").read_text()).body)
    while body:
        node = body.pop()
        if isinstance(node, (ast.If, ast.Try)):
            body += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            names |= top_level_names(ast.Module(body=[node], type_ignores=[]))
    return names


def test_no_cpython_shim_is_deployed() -> None:
    # A stand-in for what CPython's time, socket or errno lack (a monotonic ticks_ms,
    # a blocking resolver) is host code: no deployed file reaches a module of the
    # board's for a name the Pico W's MicroPython does not define, nor asks whether
    # it is there.
    for path, tree in deployed().items():
        modules = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for a in node.names if (STUBS / f"{a.name}.pyi").exists()}
        known = {m: stub_names(m) for m in modules}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in known):
                assert node.attr in known[node.value.id], (
                    f"{path}: {node.value.id}.{node.attr} is not on the board")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "hasattr" and isinstance(node.args[0], ast.Name)
                    and node.args[0].id in known):
                raise AssertionError(f"{path}: asks whether {node.args[0].id} has "
                                     f"{ast.unparse(node.args[1])}")


def test_every_deployed_definition_is_used_on_the_board() -> None:
    # Dead code costs the board flash and RAM: each top-level name is used somewhere
    # in the deployed code besides its own definition. (The pin map is exempt: it is
    # the one home of the pins for the drawings too, and its const()s cost nothing.)
    files = deployed()
    used: dict[str, int] = {}
    for tree in files.values():
        for node in ast.walk(tree):
            name = (node.id if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                    else node.attr if isinstance(node, ast.Attribute)
                    else node.name if isinstance(node, ast.alias) else None)
            if name:
                used[name] = used.get(name, 0) + 1
    for path, tree in files.items():
        for name in top_level_names(tree):
            if name.startswith("__") or path in ("main.py", "fanctl/pins.py"):
                continue
            assert used.get(name), f"{path}: {name} is never used on the board"
