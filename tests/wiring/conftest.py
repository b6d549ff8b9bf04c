"""Fixtures for the wiring tests: wiring/draw.py as a module, and one fresh rendering."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def draw() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wiring_draw", ROOT / "wiring/draw.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fresh(draw: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drawings regenerated into a temporary directory (never into the repo)."""
    out = tmp_path_factory.mktemp("fresh-drawings")
    draw.write_drawings(out)
    return out
