"""The status bar's two lines: the link (or the replayed file), and the recording
(or the replay's span), the paths shortened to fit."""

from __future__ import annotations

from picofan.monitor.replay import Replay
from picofan.monitor.state import MonitorState


def shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters: a long path keeps its end (the
    device name), cut at a folder boundary where it can be: /dev/…/ttyACM0."""
    if len(text) <= room:
        return text
    tail = text[len(text) - max(room - 1, 1):]
    cut = tail.find("/")
    if 0 <= cut < len(tail) - 1:
        tail = tail[cut:]
    return "…" + tail


def readings(n: int) -> str:
    return f"{n} reading{'' if n == 1 else 's'}"


def skipped_rows(n: int) -> str:
    return f", {n} row{'' if n == 1 else 's'} skipped" if n else ""


def replay_lines(replay: Replay, width: int) -> str:
    """Two lines of at most `width` characters: the file, and what it holds."""
    head = "▶ replay of "
    link = f"{head}{shorten(str(replay.path), max(width - len(head), 12))}"
    span = (f"{replay.first:%Y-%m-%d %H:%M:%S} to {replay.last:%H:%M:%S}  ·  "
            f"{readings(replay.readings)}{skipped_rows(replay.skipped_rows)}  ·  "
            "read-only")
    return f"{link[:width]}\n{span[:width]}"


def board_lines(s: MonitorState, virtual: bool, recording: str | None, width: int) -> str:
    """Two lines of at most `width` characters: the link, and the recording
    (the port's and the log's paths shortened to fit)."""
    fw = (f"firmware {s.hello['fw']} on {s.hello['board']}" if s.hello
          else "firmware: waiting for hello")
    rest = f"  ·  {fw}" + ("  [virtual Pico]" if virtual else "")
    if s.connected:
        head, port, tail = "● connected ", s.port, ""
    else:
        head, port, tail = "○ DISCONNECTED from ", s.port or "the board", " — retrying…"
    room = width - len(head) - len(tail) - len(rest)
    link = f"{head}{shorten(port, max(room, 12))}{tail}{rest}"
    count = f"  ·  {readings(s.lines)}"
    if recording is None:
        rec = "○ not recording (r)" + count
    else:
        room = width - len("● recording ") - len(count)
        rec = f"● recording {shorten(recording, max(room, 12))}{count}"
    return f"{link[:width]}\n{rec[:width]}"
