"""Background tasks that are neither lost nor silent."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["create_task"]

logger = logging.getLogger("chanx")

#: Tasks started by :func:`create_task` without a set of their own, kept until they end.
_running: set[asyncio.Task[Any]] = set()


def create_task(
    coro: Coroutine[Any, Any, Any],
    background_tasks: set[asyncio.Task[Any]] | None = None,
    name: str | None = None,
    context: contextvars.Context | None = None,
) -> asyncio.Task[Any]:
    """Start ``coro`` as a task that is kept referenced until it ends and logs its failure.

    ``asyncio.create_task`` alone keeps only a weak reference (a task may be collected
    mid-flight) and an exception nobody awaits is reported late or never. The task is held
    in ``background_tasks`` (or a module-level set) until done; an exception is logged on the
    ``chanx`` logger and stays on the task for whoever awaits it.
    """
    task = asyncio.get_running_loop().create_task(coro, name=name, context=context)
    holder = _running if background_tasks is None else background_tasks
    holder.add(task)

    def done(finished: asyncio.Task[Any]) -> None:
        holder.discard(finished)
        if not finished.cancelled() and finished.exception() is not None:
            logger.error("task %s failed", finished.get_name(), exc_info=finished.exception())

    task.add_done_callback(done)
    return task
