"""`make check` and `make test` as a person runs them, on a checkout whose suite is two
tests: one quick, one marked slow that fails. The quick tier leaves the slow one out;
the whole suite runs it. (The checkout's own suite would run this test again.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from checkout import ROOT, copy_checkout

pytestmark = pytest.mark.slow  # ruff and mypy over a fresh copy, twice

TWO_TESTS = '''import pytest


def test_quick():
    assert 1 + 1 == 2


@pytest.mark.slow
def test_slow_and_failing():
    assert "the whole suite ran me" == ""
'''


def checkout_with_two_tests(dest: Path) -> Path:
    clone = copy_checkout(dest)
    for folder in (clone / "tests").iterdir():
        if folder.is_dir():
            subprocess.run(["rm", "-rf", str(folder)], check=True)
        elif folder.name != "board_edges.py":  # (mypy's files name it)
            folder.unlink()
    (clone / "tests/test_two.py").write_text(TWO_TESTS)
    # This checkout's set-up, already made: the Makefile's stamps stay newer than
    # what they were made from.
    for made in (".venv", "node_modules"):
        (clone / made).symlink_to(ROOT / made)
    for source in ("pyproject.toml", "package.json", "package-lock.json"):
        os.utime(clone / source, (0, 0))
    return clone


def make(clone: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", target], cwd=clone, capture_output=True, text=True,
                          timeout=900)


def test_make_check_leaves_the_slow_tests_out_and_make_test_runs_them(
        tmp_path: Path) -> None:
    clone = checkout_with_two_tests(tmp_path / "picofan")
    check = make(clone, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "one-time setup" not in check.stdout  # nothing set up again
    assert "[1 item]" in check.stdout and "= 1 passed in " in check.stdout, check.stdout
    whole = make(clone, "test")
    assert whole.returncode != 0
    assert "1 failed, 1 passed" in whole.stdout, whole.stdout
    assert "test_slow_and_failing" in whole.stdout
