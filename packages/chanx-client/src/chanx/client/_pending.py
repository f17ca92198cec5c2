"""Requests waiting for their reply, keyed by ``ref``."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from chanx.client import wire
from chanx.client.errors import NoReplyError, RequestError


@dataclass
class _Request:
    future: asyncio.Future[dict[str, Any]]
    frame: str = ""
    #: The connection number the frame last went out on (0: not sent yet).
    sent_on: int = 0


@dataclass
class Pending:
    """Open requests; refs are ``"1"``, ``"2"``, ... unique for the client's lifetime."""

    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _open: dict[str, _Request] = field(default_factory=dict)

    def open(self) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        ref = str(next(self._counter))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._open[ref] = _Request(future)
        return ref, future

    def set_frame(self, ref: str, frame: str) -> None:
        self._open[ref].frame = frame

    def mark_sent(self, ref: str | None, connection: int) -> None:
        """Record that request ``ref`` went out on ``connection`` (no-op for other frames)."""
        request = self._open.get(ref) if ref is not None else None
        if request is not None:
            request.sent_on = connection

    def unanswered(self, before: int) -> list[tuple[str, str]]:
        """(ref, frame) of requests sent on a connection older than ``before`` (to resend)."""
        return [(ref, r.frame) for ref, r in self._open.items() if 0 < r.sent_on < before]

    def forget(self, ref: str) -> None:
        self._open.pop(ref, None)

    def resolve(self, data: dict[str, Any]) -> bool:
        """Settle the request ``data`` answers; False when ``data`` answers none."""
        ref = data.get(wire.REF)
        request = self._open.get(ref) if isinstance(ref, str) else None
        if request is None or request.future.done():
            return request is not None  # a second frame for a settled ref is still consumed
        action = data.get(wire.ACTION)
        if action == wire.ERROR:
            request.future.set_exception(RequestError(action, data.get("payload")))
        elif action in wire.COMPLETE_ACTIONS:
            request.future.set_exception(NoReplyError(f"request {ref} completed without reply"))
        else:
            request.future.set_result(data)
        return True

    def fail_all(self, error: BaseException) -> None:
        for request in self._open.values():
            if not request.future.done():
                request.future.set_exception(error)
        self._open.clear()
