"""One fresh rendering of the drawings, shared by the wiring tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiring import figures


@pytest.fixture(scope="session")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drawings regenerated into a temporary directory (never into the repo)."""
    out = tmp_path_factory.mktemp("fresh-drawings")
    figures.write_drawings(out)
    return out
