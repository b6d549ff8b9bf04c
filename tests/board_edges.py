"""Every implementation of the board edge, held to picofan.board_edge's contract by
mypy (`make test` type-checks this file; nothing here runs)."""

from __future__ import annotations

from board import PicoBoard

from picofan.board_edge import BoardEdge, WifiBoardEdge
from picofan.sim.board import RigBoard, SimBoard
from scripted_board import ScriptedBoard


def the_pico_w(chip: tuple[object, ...]) -> WifiBoardEdge:
    return PicoBoard(chip)


def the_tests_scripted_board() -> WifiBoardEdge:
    return ScriptedBoard()


def the_cpython_rig(board: SimBoard, rig: RigBoard) -> list[BoardEdge]:
    return [board, rig]
