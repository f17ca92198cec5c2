"""Topic history in Redis Streams, shared by all server processes (``chanx-core[redis]``).

Per topic, two keys in one hash slot: a hash ``<prefix>:{<topic>}:m`` holding the stream's
``seq`` counter and ``epoch``, and a stream ``<prefix>:{<topic>}:s`` whose entry ids are
``<seq>-1``. A publish is one Lua script, so one round trip: increment ``seq``, create the
epoch if missing, ``XADD`` with an exact ``MAXLEN``, refresh both keys' expiry (``ttl``). When
the keys are gone (expired, evicted, flushed) the next publish starts a new epoch at seq 1, so
clients of the lost stream are told they cannot recover. Reads are one script too and use the
server's clock for the age limit, so clocks of different app servers never matter.
"""

from __future__ import annotations

import weakref
from asyncio import AbstractEventLoop, get_running_loop
from typing import TYPE_CHECKING, Any

from chanx.core.history import HistoryRead, HistoryStore, Position, is_complete, new_epoch

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = ["RedisHistoryStore"]

_APPEND = """
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if seq == 1 then redis.call('DEL', KEYS[2]) end
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local now = redis.call('TIME')
local ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], seq .. '-1', 'd', ARGV[2], 't', ms)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {seq, epoch}
"""

_READ = """
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'seq', 0)
  redis.call('DEL', KEYS[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
local meta = redis.call('HMGET', KEYS[1], 'seq', 'epoch')
local now = redis.call('TIME')
local oldest = now[1] * 1000 + math.floor(now[2] / 1000) - tonumber(ARGV[4])
local out = {meta[1], meta[2]}
if ARGV[3] == meta[2] then
  local rows = redis.call('XRANGE', KEYS[2], ARGV[2] .. '-0', '+', 'COUNT', ARGV[5])
  for _, row in ipairs(rows) do
    local fields = row[2]
    if tonumber(fields[4]) >= oldest then
      table.insert(out, row[1])
      table.insert(out, fields[2])
    end
  end
end
return out
"""


class RedisHistoryStore(HistoryStore):
    """History in Redis Streams; every process using the same URL and prefix shares it.

    Args:
        url: the Redis URL (``redis://host:6379/0``); or pass ``client``.
        prefix: key prefix, to keep applications (and tests) sharing one Redis apart.
        client: a ready ``redis.asyncio.Redis``, used as is (one event loop only).
        max_connections: connections per event loop; when all are busy, callers wait for one
            (up to ``timeout`` seconds) instead of failing, as redis-py's default pool would.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        prefix: str = "chanx:history",
        client: Redis | None = None,
        max_connections: int = 50,
        timeout: float = 10.0,
    ) -> None:
        if url is None and client is None:
            raise ValueError("RedisHistoryStore needs a Redis url= or client=")
        self.url = url
        self.prefix = prefix
        self.max_connections = max_connections
        self.timeout = timeout
        self._client = client
        # redis-py connections belong to the event loop that opened them; sync publishers
        # (async_to_sync from a thread) run their own loop, so clients are kept per loop.
        self._per_loop: weakref.WeakKeyDictionary[AbstractEventLoop, Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._scripts: weakref.WeakKeyDictionary[Redis, dict[str, AsyncScript]] = (
            weakref.WeakKeyDictionary()
        )

    def _redis(self) -> Redis:
        if self._client is not None:
            return self._client
        loop = get_running_loop()
        client = self._per_loop.get(loop)
        if client is None:
            from redis.asyncio import BlockingConnectionPool, Redis

            assert self.url is not None
            pool = BlockingConnectionPool.from_url(
                self.url, max_connections=self.max_connections, timeout=self.timeout
            )
            client = self._per_loop[loop] = Redis(connection_pool=pool)
        return client

    def _script(self, source: str) -> AsyncScript:
        # EVALSHA: the script body travels once per connection pool, then only its digest
        client = self._redis()
        scripts = self._scripts.get(client)
        if scripts is None:
            scripts = self._scripts[client] = {}
        script = scripts.get(source)
        if script is None:
            script = scripts[source] = client.register_script(source)
        return script

    def keys(self, topic: str) -> tuple[str, str]:
        """The hash and stream keys of ``topic``."""
        base = f"{self.prefix}:{{{topic}}}"
        return f"{base}:m", f"{base}:s"

    async def append(self, topic: str, data: str, *, size: int, ttl: float) -> Position:
        result: Any = await self._script(_APPEND)(
            keys=self.keys(topic), args=[new_epoch(), data, size, _ms(ttl)]
        )
        seq, epoch = result
        return Position(_text(epoch), int(seq))

    async def read(
        self, topic: str, after: int, epoch: str | None, *, size: int, ttl: float
    ) -> HistoryRead:
        result: Any = await self._script(_READ)(
            keys=self.keys(topic), args=[new_epoch(), after + 1, epoch or "", _ms(ttl), size + 1]
        )
        position = Position(_text(result[1]), int(result[0] or 0))
        rows = result[2:]
        entries = tuple(
            (int(_text(rows[i]).split("-", 1)[0]), _text(rows[i + 1]))
            for i in range(0, len(rows), 2)
        )
        return HistoryRead(position, entries, is_complete(after, epoch, position, entries))

    async def delete(self, topic: str) -> None:
        """Drop ``topic``'s history and counter (its next publish starts a new epoch)."""
        await self._redis().delete(*self.keys(topic))

    async def close(self) -> None:
        """Close the connections this store opened."""
        for client in list(self._per_loop.values()):
            await client.aclose(close_connection_pool=True)
        self._per_loop.clear()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
