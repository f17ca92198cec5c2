"""Fixtures of the chanx-mixins tests: a manual clock and each store backend."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.consumer import ChanxConsumer
from chanx.core.layers import InMemoryChannelLayer
from chanx.core.testing import WebsocketHarness
from chanx.mixins.clock import ManualClock
from chanx.mixins.stores import MemoryStore, MixinStore


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test advances it."""
    return ManualClock()


async def open_redis_store(
    url: str, clock: ManualClock | None = None, prefix: str | None = None
) -> MixinStore:
    """A RedisStore on the shared server under a fresh key prefix (or ``prefix``)."""
    from chanx.mixins.stores.redis import RedisStore

    prefix = prefix or f"test-mixins-{uuid.uuid4().hex}:"
    return RedisStore.from_url(url, prefix=prefix, clock=clock)


async def drop_redis_store(store: MixinStore) -> None:
    """Delete the store's keys (only its own prefix) and close its client."""
    from chanx.mixins.stores.redis import RedisStore

    assert isinstance(store, RedisStore)
    async for key in store.client.scan_iter(match=f"{store.prefix}*"):
        await store.client.delete(key)
    await store.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[MixinStore]:
    """Every store backend, for the shared contract tests (Redis for real)."""
    if request.param == "memory":
        yield MemoryStore(clock=clock)
        return
    redis_store = await open_redis_store(request.getfixturevalue("redis_url"), clock)
    yield redis_store
    await drop_redis_store(redis_store)


@pytest.fixture
async def redis_pair(
    redis_url: str, clock: ManualClock
) -> AsyncIterator[tuple[MixinStore, MixinStore]]:
    """Two RedisStores with their own clients on one prefix: two processes sharing Redis."""
    from chanx.mixins.stores.redis import RedisStore

    first = await open_redis_store(redis_url, clock)
    assert isinstance(first, RedisStore)
    second = await open_redis_store(redis_url, clock, prefix=first.prefix)
    yield first, second
    await second.close()
    await drop_redis_store(first)


class QueryUserAuthenticator(BaseAuthenticator):
    """Test authenticator: the user is the ``user`` query parameter (required)."""

    async def authenticate(self) -> bool:
        """Accept any non-empty ``?user=``."""
        self.user = self.get_query_param("user")
        return bool(self.user)


@pytest.fixture
def layer() -> InMemoryChannelLayer:
    """A fresh in-memory channel layer for one test."""
    return InMemoryChannelLayer()


@pytest.fixture
def base(layer: InMemoryChannelLayer) -> type[ChanxConsumer[Any]]:
    """A core consumer on the test's layer, authenticating users from ``?user=``."""

    class Base(ChanxConsumer[Any]):
        authenticator_class = QueryUserAuthenticator

        @classmethod
        def get_channel_layer(cls) -> InMemoryChannelLayer:
            return layer

    return Base


def client(app: Any, user: str, room: str = "lobby") -> WebsocketHarness:
    """A harness connecting ``user`` to ``room``."""
    return WebsocketHarness(
        app, f"/ws/{room}", query_string=f"user={user}", path_params={"room": room}
    )


@pytest.fixture
def connect() -> Callable[..., WebsocketHarness]:
    """``connect(app, user, room="lobby")`` builds a harness for that user and room."""
    return client


async def until(predicate: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until it holds, failing after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.01)


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    """``await wait_until(async_predicate, timeout=5)``: poll with a deadline."""
    return until
