"""Messages and helpers shared by :mod:`live_asgi_app` and :mod:`live_django_app` (no framework)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel

from chanx.messages import BaseMessage

#: File each ``work`` handler start is appended to (one ``n`` a line); empty: not recorded.
STARTED = os.environ.get("CHANX_LIVE_STARTED", "")


class Work(BaseModel):
    n: int
    ms: int = 0


class WorkMessage(BaseMessage):
    """Work for ``ms`` milliseconds, then answer with ``n``."""

    action: Literal["work"] = "work"
    payload: Work


class WorkDone(BaseMessage):
    action: Literal["work_done"] = "work_done"
    payload: int


def record_start(n: int) -> None:
    """Note that the handler of request ``n`` started (read by the shutdown tests)."""
    if STARTED:
        with open(STARTED, "a") as out:
            out.write(f"{n}\n")
