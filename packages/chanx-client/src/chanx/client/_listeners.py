"""Fan-out of validated server messages to typed callbacks and async iterators."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, cast

logger = logging.getLogger("chanx.client")

T = TypeVar("T")
M = TypeVar("M")

_END = object()


class MessageStream(Generic[T]):
    """An async iterator over the server messages of one kind; ends when the client closes.

    Messages are buffered from the moment the stream is created, so none is missed between
    creating it and the first ``__anext__``. ``close()`` (or the client closing) ends it.
    """

    def __init__(self, kinds: tuple[type[Any], ...] | None, on_close: Callable[[], None]) -> None:
        self._kinds = kinds
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._on_close = on_close
        self._error: BaseException | None = None

    def accepts(self, message: object) -> bool:
        return self._kinds is None or isinstance(message, self._kinds)

    def put(self, message: object) -> None:
        self._queue.put_nowait(message)

    def end(self, error: BaseException | None = None) -> None:
        """Stop the stream after the buffered messages; ``error`` is raised at the end."""
        self._error = error
        self._queue.put_nowait(_END)

    def close(self) -> None:
        """Detach from the client and stop iterating."""
        self._on_close()
        self.end()

    def __aiter__(self) -> MessageStream[T]:
        return self

    async def __anext__(self) -> T:
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # later calls end too
            if self._error is not None:
                raise self._error
            raise StopAsyncIteration
        return cast("T", item)


Callback = Callable[[M], Awaitable[None] | None]


class Listeners:
    """Callbacks per message class plus open streams; ``deliver`` runs them in order."""

    def __init__(self) -> None:
        self._callbacks: list[tuple[type[Any], Callable[[Any], Awaitable[None] | None]]] = []
        self._streams: list[MessageStream[Any]] = []

    def add_callback(self, kind: type[M], callback: Callback[M]) -> Callable[[], None]:
        entry: tuple[type[Any], Callable[[Any], Awaitable[None] | None]] = (kind, callback)
        self._callbacks.append(entry)
        return lambda: self._callbacks.remove(entry) if entry in self._callbacks else None

    def stream(self, kinds: tuple[type[Any], ...] | None) -> MessageStream[Any]:
        holder: list[MessageStream[Any]] = []
        stream: MessageStream[Any] = MessageStream(
            kinds, lambda: self._streams.remove(holder[0]) if holder[0] in self._streams else None
        )
        holder.append(stream)
        self._streams.append(stream)
        return stream

    async def deliver(self, message: object) -> None:
        for stream in self._streams:
            if stream.accepts(message):
                stream.put(message)
        for kind, callback in list(self._callbacks):
            if isinstance(message, kind):
                try:
                    result = callback(message)
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # a failing callback must not stop the connection
                    logger.exception("callback %r failed on %s", callback, type(message).__name__)

    def end(self, error: BaseException | None) -> None:
        for stream in self._streams:
            stream.end(error)
        self._streams.clear()
