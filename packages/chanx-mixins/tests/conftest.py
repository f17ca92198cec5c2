"""Fixtures of the chanx-mixins tests: a manual clock and each store backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from chanx.mixins.clock import ManualClock
from chanx.mixins.stores import MemoryStore, MixinStore


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test advances it."""
    return ManualClock()


async def open_redis_store(url: str, clock: ManualClock | None = None) -> MixinStore:
    """A RedisStore on the shared server under a fresh key prefix."""
    from chanx.mixins.stores.redis import RedisStore

    return RedisStore.from_url(url, prefix=f"test-mixins-{uuid.uuid4().hex}:", clock=clock)


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
