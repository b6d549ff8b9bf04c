"""Every implementation of the board edge, held to picofan.board_edge's contract by
mypy (`make test` type-checks this file; nothing here runs)."""

from __future__ import annotations

from board import PicoBoard
from mp_telemetry import Board as TelemetryBenchBoard
from mp_wifi_jitter import RealtimeBoard

from picofan.board_edge import BoardEdge, WifiBoardEdge
from picofan.sim.on_chip.unix_board import UnixPortBoard
from picofan.sim.rig import InProcessBoard, RigBoard
from scripted_board import ScriptedBoard


def the_pico_w(chip: tuple[object, ...]) -> WifiBoardEdge:
    return PicoBoard(chip)


def the_virtual_picos_chip() -> WifiBoardEdge:
    return UnixPortBoard()


def the_tests_scripted_board() -> WifiBoardEdge:
    return ScriptedBoard()


def the_wifi_benchmarks_board() -> WifiBoardEdge:
    return RealtimeBoard()


def the_cpython_rig(board: InProcessBoard, rig: RigBoard) -> list[BoardEdge]:
    return [board, rig]


def the_telemetry_benchmarks_board() -> BoardEdge:
    return TelemetryBenchBoard()
