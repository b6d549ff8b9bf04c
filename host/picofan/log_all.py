"""`picofan log --all`: every board there is (ports.board_ports), now or later, each
into a CSV of its own, named after the board: its name, else its unique id. Written
and flushed per line as `picofan log` writes (logger.CsvLog), each with its events log.

A board that goes away (unplugged, its simulator stopped) is picked up again when its
port comes back, into the same file. A file is never shared by two boards: each CSV's
events log names its board ("Board" lines, with the unique id), and a name another
board already writes to (in this run, or in the file's events log from an earlier
one) gets the unique id added: NAME-UID.csv."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picofan import ports
from picofan.client import Device, Event, Received, now
from picofan.identify import clash
from picofan.link import LinkLost
from picofan.logger import CsvLog, LogPathError, LogWriteError, events_path, open_log
from picofan.narrate import Narrator

SCAN_EVERY_S = 0.5  # as the bridge's --all: a new board is logged within half a second
EARLY_EVENTS = 100  # kept for a board that has not yet said who it is (its hello)
UNNAMED_WARNING = 20  # events without a hello: say that this port is not being logged
BOARD_EVENT = "Board"  # the events log's line naming the board the CSV belongs to
_BOARD_LINE = re.compile(rf"^\S+\t{BOARD_EVENT}\tuid ([0-9a-zA-Z]+)")
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9 _.-]")  # the firmware's own name alphabet


class LogFolderError(Exception):
    """--dir cannot take the logs; the message says why."""


def check_folder(folder: Path) -> None:
    """Refuse a folder that cannot take the logs, before anything is made or opened."""
    nearest = folder
    while not nearest.exists():  # the nearest folder that exists (the rest is made)
        nearest = nearest.parent
    if not nearest.is_dir():
        raise LogFolderError(f"--dir {folder}: {nearest} is not a folder")
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise LogFolderError(f"--dir {folder}: {nearest} is not writable")


def file_stem(name: str | None, uid: str | None, port: str) -> str:
    """A board's file name (without .csv): its name, else its unique id. Names keep
    the firmware's alphabet (letters, digits, space, - _ .), whatever an older board
    sends; a name that would make a hidden file or none at all falls back."""
    cleaned = _NOT_IN_NAMES.sub("_", name or "").strip(" .")
    if cleaned:
        return cleaned
    if uid and not _NOT_IN_NAMES.search(uid):
        return uid
    return "board-" + re.sub(r"[^A-Za-z0-9_-]", "_", Path(port).name)


def owner(csv_path: Path) -> str | None:
    """The unique id of the board a CSV belongs to, from its events log's last Board line."""
    found = None
    with contextlib.suppress(OSError), open(events_path(csv_path), encoding="utf-8",
                                            errors="replace") as f:
        for line in f:
            if m := _BOARD_LINE.match(line):
                found = m.group(1)
    return found


@dataclass
class WatchedPort:
    """One port being read; its board's log once its hello said who it is."""

    port: ports.Candidate
    device: Device
    narrator: Narrator = field(default_factory=Narrator)
    log: CsvLog | None = None
    label: str = ""
    early: list[Event] = field(default_factory=list)
    unnamed: int = 0  # events before its hello
    refused: bool = False  # its unique id is another port's board's: not logged


class AllBoards:
    def __init__(self, folder: Path, *, timeout: float, say: Callable[[str], bool],
                 warn: Callable[[str], Any]) -> None:
        self.folder = folder
        self.timeout = timeout
        self.say = say  # a reading or an event, for the terminal (False: nobody reads)
        self.warn = warn  # what the person must know (stderr)
        self.logs: dict[str, CsvLog] = {}  # by unique id: kept across unplugs
        self.labels: dict[str, str] = {}  # by unique id
        self.claimed: dict[Path, str] = {}  # CSV path -> the unique id writing it
        self.watching: dict[str, WatchedPort] = {}  # by port path
        self.events: queue.Queue[tuple[WatchedPort, Event | None]] = queue.Queue()
        self._failed: dict[str, str] = {}  # the last reason said, per port

    def run(self, duration: float | None = None) -> None:
        """Until a signal (KeyboardInterrupt), or duration seconds."""
        deadline = None if duration is None else time.monotonic() + duration
        self.scan()
        if not self.watching:
            self.warn("no board yet: waiting for one (Ctrl-C to stop)")
        next_scan = time.monotonic() + SCAN_EVERY_S
        while deadline is None or time.monotonic() < deadline:
            until = next_scan if deadline is None else min(next_scan, deadline)
            try:
                watched, event = self.events.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                pass
            else:
                if event is None:
                    self.watching.pop(watched.port.device, None)
                    watched.device.close()
                elif not self.handle(watched, event):
                    return  # stdout is gone: `| head` has what it wanted
            if time.monotonic() >= next_scan:
                self.scan()
                next_scan = time.monotonic() + SCAN_EVERY_S

    def scan(self) -> None:
        for port in ports.board_ports():
            if port.device in self.watching:
                continue
            device = Device(port.device, reply_timeout=self.timeout, reconnect=False)
            try:
                device.start()
            except (LinkLost, ports.PortError) as e:
                if self._failed.get(port.device) != str(e):  # said once, not every scan
                    self._failed[port.device] = str(e)
                    self.warn(f"{e} (not logged while so; trying again)")
                continue
            self._failed.pop(port.device, None)
            watched = WatchedPort(port, device)
            self.watching[port.device] = watched
            threading.Thread(target=self._pump, args=(watched,), daemon=True,
                             name=f"picofan-log-{port.device}").start()

    def _pump(self, watched: WatchedPort) -> None:
        for event in watched.device.events():
            self.events.put((watched, event))
        self.events.put((watched, None))  # the port went (reconnect=False): scans find it again

    def handle(self, watched: WatchedPort, event: Event) -> bool:
        if watched.refused:
            return True
        if watched.log is None:
            if isinstance(event, Received) and event.message.type == "hello":
                self._bind(watched, event.message.data)
            if watched.log is None:
                watched.early = [*watched.early, event][-EARLY_EVENTS:]
                watched.unnamed += 1
                if watched.unnamed == UNNAMED_WARNING:
                    self.warn(f"{watched.port.device}: not logged yet: it has not said who "
                              "it is (no hello: is picofan's firmware on it, and running?)")
                return True
            for early in watched.early:
                if not self._record(watched, early):
                    return False
            watched.early = []
        return self._record(watched, event)

    def _record(self, watched: WatchedPort, event: Event) -> bool:
        assert watched.log is not None
        text = watched.narrator.describe(event)
        watched.log.record(event, text)
        return text is None or self.say(f"{watched.label}: {text}")

    def _bind(self, watched: WatchedPort, hello: dict[str, Any]) -> None:
        """The board said who it is: its log (opened, or the one kept from before it went
        away). A board without a unique id (firmware before protocol 3) goes by its port."""
        settings = hello.get("settings")
        name = settings.get("name") if isinstance(settings, dict) else None
        uid = hello.get("uid") if isinstance(hello.get("uid"), str) else None
        key = uid or f"port {watched.port.device}"
        first = next((other for other in self.watching.values() if other is not watched
                      and other.log is not None and other.log is self.logs.get(key)), None)
        if first is not None and uid:
            watched.refused = True  # (its port stays held: the warning is said once)
            self.warn(clash(watched.port.device, uid, first.port.device, "not logged"))
            return
        if key not in self.logs:
            log = self._open(file_stem(name, uid, watched.port.device), key,
                             file_stem(None, uid, watched.port.device), watched)
            if log is None:
                return
            self.logs[key] = log
            self.labels[key] = log.path.stem
            who = "" if log.path.stem == uid else f" (uid {uid or 'none'})"
            self.warn(f"{log.path.stem}{who} on {watched.port.device}: logging to {log.path}")
        watched.log, watched.label = self.logs[key], self.labels[key]
        # First in its events log, before what it said on the way (in the CSV's order).
        at = watched.early[0].at if watched.early else now()
        watched.log.event(at, BOARD_EVENT,
                          f"uid {uid or '-'} name {name!r} port {watched.port.device}")

    def _open(self, stem: str, key: str, suffix: str, watched: WatchedPort) -> CsvLog | None:
        """NAME.csv, or NAME-UID.csv when NAME.csv is another board's (suffix: the
        unique id, or the port's name for a board without one)."""
        source = "sim" if watched.port.is_virtual else "board"
        problems = []
        for candidate in dict.fromkeys((stem, f"{stem}-{suffix}")):
            path = self.folder / f"{candidate}.csv"
            taken = self.claimed.get(path) or owner(path)
            if taken not in (None, key):
                continue  # another board's file: never mixed
            try:
                log = open_log(path, source)
            except LogPathError as e:
                problems.append(str(e))
                continue
            self.claimed[path] = key
            return log
        self.warn(f"{watched.port.device}: not logged: " + ("; ".join(problems) or
                                                         f"{stem}.csv is another board's"))
        return None

    def close(self) -> tuple[dict[Path, int], LogWriteError | None]:
        """Every port closed, every log synced and closed: readings per file, and the
        first log that could not be written to the end (the rest are closed all the same)."""
        for watched in list(self.watching.values()):
            watched.device.close()
        self.watching.clear()
        done = {}
        failed = None
        for log in self.logs.values():
            try:
                log.close()
            except LogWriteError as e:
                failed = failed or e
            done[log.path] = log.rows
        return done, failed


def stderr_line(text: str) -> None:
    with contextlib.suppress(OSError):
        print(f"picofan: {text}", file=sys.stderr, flush=True)
