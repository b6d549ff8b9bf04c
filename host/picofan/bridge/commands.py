"""Commands from Home Assistant to the bridge's boards: read and checked by the board's
own rules, queued for the board's port (COMMAND_QUEUE at most), sent one by one by the
port's worker, and answered on the board's result topic; a refusal changes nothing."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import orjson

from fanctl import settings as board_settings
from fanctl.protocol import BadCommand
from picofan.bridge import ha_schema
from picofan.bridge.boards import MAX_RESULTS, BoardConnection, BridgedBoard, Job, Shared
from picofan.client import DeviceError, ReplyTimeout

log = logging.getLogger("picofan.bridge")

COMMAND_QUEUE = 8  # commands waiting for one board; more are refused ("busy")


class Commands:
    def __init__(self, shared: Shared, spawn: Callable[..., None]) -> None:
        self.s = shared
        self.spawn = spawn

    def serve(self, link: BoardConnection) -> None:
        """The worker sending this port's commands, until None on its queue."""
        self.spawn(self._work, f"picofan-bridge-work-{link.port}", link)

    def command(self, topic: str, payload: bytes, retain: bool) -> None:
        what = ha_schema.command_topic(topic)
        if what is None:
            return
        why = ha_schema.not_a_command(topic, payload, retain)
        if why is not None:
            if why:  # (said for any board: its own bridge may not have met it yet)
                log.warning(why)
            return
        with self.s.lock:
            board = self.s.boards.get(what.board)
        if board is None:
            return  # not one of ours: another bridge's, or none
        try:
            if what.kind == "save":
                ha_schema.parse_save(payload)
                changes: dict[str, Any] = {}
            elif what.kind == "fan":
                changes = ha_schema.parse_fan(what.name or "", payload, board.settings)
            elif what.name is not None:
                changes = {what.name: ha_schema.parse_value(what.name, payload)}
            else:
                changes = ha_schema.parse_changes(payload)
            if changes:
                # All settings together, by the board's own rule, against its settings now.
                board_settings.merge({**board_settings.defaults(), **board.settings}, changes)
        except BadCommand as e:
            self._refuse(board, what, payload, e.code, e.msg)
            return
        with self.s.wake:
            link = board.link
            if not board.online or link is None:
                problem = ("offline", "the board is not connected")
            elif link.jobs.qsize() >= COMMAND_QUEUE:
                problem = ("busy", f"{COMMAND_QUEUE} commands are waiting for this board")
            elif len(self.s.results) >= MAX_RESULTS:
                problem = ("busy", f"{MAX_RESULTS} results are waiting for the broker")
            else:
                # (the fan entity's commands are settings: a set)
                link.jobs.put(Job(board, "save" if what.kind == "save" else "set", changes,
                                  what))
                return
        self._refuse(board, what, payload, *problem)

    def _refuse(self, board: BridgedBoard, what: ha_schema.CommandTopic, payload: bytes,
                code: str, text: str) -> None:
        shown = ha_schema.shown(payload)
        # by: the bridge refused it, so nothing reached the board.
        result: dict[str, Any] = {"ok": False, "by": "bridge", "cmd": what.kind, "code": code,
                                  "msg": text, "payload": shown}
        if what.name:
            result["name"] = what.name
        with self.s.wake:
            self.s.refusal_log.say(f"{board.label}: refused {what.kind}"
                                   f"{'/' + what.name if what.name else ''} {shown!r}: "
                                   f"{text} ({code}); nothing sent")
            if len(self.s.results) >= MAX_RESULTS:
                self.s.refusal_log.unpublished += 1  # (a flood: said in the next line)
                return
        self._result(board, result)

    def _result(self, board: BridgedBoard, result: dict[str, Any]) -> None:
        with self.s.wake:
            self.s.results.append((board.topics.result, ha_schema.encode(result), 1, False))
            self.s.wake.notify_all()

    def _work(self, link: BoardConnection) -> None:
        while (job := link.jobs.get()) is not None:
            self._execute(link, job)

    def _execute(self, link: BoardConnection, job: Job) -> None:
        if job.cmd == "hello":  # the reply comes as an event too: Hotplug binds it there
            with contextlib.suppress(ReplyTimeout, DeviceError):
                link.device.request("hello")
            return
        board = job.board
        assert board is not None
        # Said as it came in: set, save, or the fan entity's command
        result: dict[str, Any] = {"by": "board", "cmd": job.what.kind if job.what else job.cmd}
        if job.what and job.what.name:
            result["name"] = job.what.name
        if link.board is not board:
            result |= {"ok": False, "by": "bridge", "code": "offline",
                       "msg": "the board was unplugged"}
        else:
            try:
                reply = link.device.request(job.cmd, **job.changes)
            except DeviceError as e:  # the board's own refusal
                result |= {"ok": False, "code": e.reply["code"], "msg": e.reply["msg"]}
            except ReplyTimeout as e:
                result |= {"ok": False, "code": "timeout", "msg": str(e)}
            except BadCommand as e:  # (checked before; the encoder's last word)
                result |= {"ok": False, "by": "bridge", "code": e.code, "msg": e.msg}
            else:
                new = reply["settings"]
                result |= {"ok": True, "settings": {k: new[k] for k in job.changes},
                           "saved": reply["saved"]}
                with self.s.wake:
                    board.settings = dict(new)
                    if board.tele is not None:
                        board.confirmed = {**new, "boot": board.tele["boot"]}
                    self.s.restate(board)
                    self.s.configure(board)
                    self.s.wake.notify_all()
        what = result["cmd"] + (f"/{result['name']}" if "name" in result else "")
        if result["ok"]:
            log.info(f"{board.label}: {what} {orjson.dumps(result['settings']).decode()} "
                     f"acknowledged")
        else:
            log.warning(f"{board.label}: {what} failed: {result['msg']} ({result['code']})")
        self._result(board, result)
