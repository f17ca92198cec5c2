"""fast-channels' Redis channel layer with one reader per process for its local channels.

All process-local channels (``specific.<process prefix>!<id>``) of a Redis channel layer share
one Redis key. fast-channels reads it with every connection's ``receive`` taking turns on one
shared ``asyncio.Lock``; each acquisition scans every waiter, so a broadcast to N connections
of a process costs O(N²) (at 1,000 connections, 2.5 million waiter checks for 5 broadcasts,
~15x a loop over the sockets; ``bench/bench_fanout.py``).

:class:`ChanxRedisChannelLayer` keeps everything else (sending, groups, capacity, expiry,
serialization) and replaces only that read: one pump task per process pops the shared key
and puts each message in the queue of the local channel(s) it is for, and ``receive(channel)``
waits on its own queue. Errors reach the receivers: when the pump's read fails (Redis down),
every waiting ``receive`` raises that error, so chanx's layer reader backs off and re-joins
its groups as before; the next ``receive`` starts a new pump. A channel's queue holds at most
``capacity`` messages (the oldest is dropped beyond that, as fast-channels does).

Its connection pool waits for a free connection (up to :data:`POOL_WAIT` seconds) instead of
raising ``MaxConnectionsError`` at once: redis-py's default pool fails the command that finds
every connection in use, so a burst of more concurrent commands than ``max_connections`` (a
thousand clients subscribing to a topic at the same moment, each joining a group) lost some
of them while Redis itself was idle.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis.asyncio import BlockingConnectionPool, ConnectionPool

from fast_channels.layers.redis import RedisChannelLayer

__all__ = ["POOL_WAIT", "ChanxRedisChannelLayer"]

#: Seconds a command waits for a free pooled connection before it fails.
POOL_WAIT = 10.0

logger = logging.getLogger("chanx.layer")


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class ChanxRedisChannelLayer(RedisChannelLayer):
    """``RedisChannelLayer`` whose local channels are read by one task per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local: dict[str, asyncio.Queue[Any]] = {}
        self._pump: asyncio.Task[None] | None = None

    def create_pool(self, index: int) -> ConnectionPool:
        """A pool for host ``index`` that waits for a free connection when all are in use."""
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if not isinstance(address, str):  # sentinel or host/port entries: fast-channels' pool
            return super().create_pool(index)
        return BlockingConnectionPool.from_url(address, timeout=POOL_WAIT, **host)

    async def receive(self, channel: str) -> Any:
        """The next message of ``channel``; local channels are served by the pump."""
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        queue = self._local.get(channel)
        if queue is None:
            queue = self._local[channel] = asyncio.Queue()
        self._start_pump(self.non_local_name(channel))
        try:
            item = await queue.get()
        except asyncio.CancelledError:
            if queue.empty():  # the reader went away: forget the channel, as fast-channels does
                self.forget_channel(channel)
            raise
        if isinstance(item, _Failure):
            raise item.error
        return item

    def forget_channel(self, channel: str) -> None:
        """Drop ``channel``'s queue (its connection ended); the pump stops with the last one."""
        self._local.pop(channel, None)
        if not self._local and self._pump is not None:
            self._pump.cancel()
            self._pump = None

    def _start_pump(self, real_channel: str) -> None:
        pump = self._pump
        loop = asyncio.get_running_loop()
        if pump is not None and not pump.done():
            if pump.get_loop() is not loop:
                raise RuntimeError("Two event loops are trying to receive() on one channel layer")
            return
        self._pump = loop.create_task(self._run_pump(real_channel), name="chanx-redis-pump")

    async def _run_pump(self, real_channel: str) -> None:
        while self._local:
            try:
                channel, message = await self.receive_single(real_channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                for waiting in list(self._local.values()):
                    waiting.put_nowait(_Failure(exc))  # every waiting receive raises it
                return  # the receivers back off; their next receive starts a new pump
            # typed as one name, but a group message carries the list of its local channels
            targets: Any = channel
            for name in targets if isinstance(targets, list) else (targets,):
                queue = self._local.get(name)
                if queue is None:
                    continue  # that connection ended
                if queue.qsize() >= self.capacity:
                    queue.get_nowait()
                    logger.warning("channel %s is full; dropped its oldest message", name)
                queue.put_nowait(message)
