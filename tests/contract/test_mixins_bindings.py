"""The presence, typing and rate limiting mixins stacked on each binding's consumer.

Runs once per binding adapter (``bindings_*.py``) and per store (memory, real Redis), through
the binding's own router, so path parameters, groups and hooks are the binding's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from types import ModuleType
from typing import Any, Literal

import pytest

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.mixins import (
    BucketSpec,
    ManualClock,
    MemoryStore,
    MixinStore,
    PresenceMixin,
    RateLimitMixin,
    TypingMixin,
)

OpenWs = Callable[..., Awaitable[WebsocketHarness]]


class Shout(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class Shouted(BaseMessage):
    action: Literal["shouted"] = "shouted"
    payload: str


class UserFromQuery(BaseAuthenticator):
    async def authenticate(self) -> bool:
        self.user = self.get_query_param("user")
        return bool(self.user)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def mixin_store(request: pytest.FixtureRequest) -> AsyncIterator[MixinStore]:
    """A memory store or a Redis store under a fresh prefix (deleted afterwards)."""
    if request.param == "memory":
        yield MemoryStore(clock=ManualClock())
        return
    from chanx.mixins.stores.redis import RedisStore

    url = request.getfixturevalue("redis_url")
    store = RedisStore.from_url(url, prefix=f"test-mixins-binding-{uuid.uuid4().hex}:")
    yield store
    async for key in store.client.scan_iter(match=f"{store.prefix}*"):
        await store.client.delete(key)
    await store.close()


def room_consumer(binding: ModuleType, store: MixinStore) -> type[Any]:
    class Room(PresenceMixin, TypingMixin, RateLimitMixin, binding.Consumer):  # type: ignore[misc, name-defined]
        authenticator_class = UserFromQuery
        mixin_store = store
        rate_limit = BucketSpec(capacity=3, refill_rate=0.001)

        @ws_handler(output_type=Shouted)
        async def handle_shout(self, message: Shout) -> None:
            await self.broadcast_message(
                Shouted(payload=f"{self.user}: {message.payload}"), groups=[self.get_room_group()]
            )

    return Room


async def test_stacked_mixins_on_the_binding(
    mixin_store: MixinStore, binding: ModuleType, open_ws: OpenWs
) -> None:
    # mixin_store comes first: it is torn down after the connections that use it
    Room = room_consumer(binding, mixin_store)
    routes = [("/ws/rooms/{room}", Room)]
    alice = await open_ws(routes, "/ws/rooms/blue", query_string="user=alice")
    state = await alice.receive_json()
    assert (state["action"], state["payload"]["room"]) == ("presence_state", "blue")
    bob = await open_ws(routes, "/ws/rooms/blue", query_string="user=bob")
    assert [u["user"] for u in (await bob.receive_json())["payload"]["users"]] == ["alice", "bob"]
    assert (await alice.receive_json())["payload"]["joins"][0]["user"] == "bob"
    other = await open_ws(routes, "/ws/rooms/red", query_string="user=carol")
    assert [u["user"] for u in (await other.receive_json())["payload"]["users"]] == ["carol"]

    await bob.send_json({"action": "typing_start"})
    assert (await alice.receive_json())["payload"]["typists"] == ["bob"]
    for word in ("a", "b", "c"):  # with the typing frame: four frames, the bucket holds three
        await bob.send_json({"action": "shout", "payload": word})
    assert (await alice.receive_json())["payload"] == "bob: a"
    assert (await alice.receive_json())["payload"] == "bob: b"
    frames = [await bob.receive_json() for _ in range(3)]
    assert [f["action"] for f in frames].count("error") == 1
    assert await other.receive_nothing()

    await bob.disconnect()
    leave = {f["action"]: f["payload"] for f in [await alice.receive_json() for _ in range(2)]}
    assert leave["typing_users"]["typists"] == []
    assert leave["presence_diff"]["leaves"] == ["bob"]
    presence = await Room.get_presence("blue")
    assert (presence.user_count, presence.connection_count) == (1, 1)


def alone(binding: ModuleType, store: MixinStore, mixin: type) -> type[Any]:
    """``mixin`` alone on the binding's consumer, with a handler for the rate limit to guard."""

    class Single(mixin, binding.Consumer):  # type: ignore[misc, name-defined]
        authenticator_class = UserFromQuery
        mixin_store = store
        rate_limit = BucketSpec(capacity=2, refill_rate=0.001)
        send_completion = True

        @ws_handler
        async def handle_shout(self, message: Shout) -> Shouted:
            return Shouted(payload=message.payload)

    return Single


async def test_presence_alone_on_the_binding(
    mixin_store: MixinStore, binding: ModuleType, open_ws: OpenWs
) -> None:
    routes = [("/ws/rooms/{room}", alone(binding, mixin_store, PresenceMixin))]
    alice = await open_ws(routes, "/ws/rooms/blue", query_string="user=alice")
    assert (await alice.receive_json())["payload"]["user_count"] == 1
    tab = await open_ws(routes, "/ws/rooms/blue", query_string="user=alice")
    state = (await tab.receive_json())["payload"]
    assert (state["user_count"], state["connection_count"]) == (1, 2)
    bob = await open_ws(routes, "/ws/rooms/blue", query_string="user=bob")
    await bob.receive_json()
    for ws in (alice, tab):
        assert (await ws.receive_json())["payload"]["joins"][0]["user"] == "bob"
    await tab.disconnect()
    assert await bob.receive_nothing()  # alice still has a connection
    await alice.disconnect()
    assert (await bob.receive_json())["payload"]["leaves"] == ["alice"]


async def test_typing_alone_on_the_binding(
    mixin_store: MixinStore, binding: ModuleType, open_ws: OpenWs
) -> None:
    routes = [("/ws/rooms/{room}", alone(binding, mixin_store, TypingMixin))]
    alice = await open_ws(routes, "/ws/rooms/blue", query_string="user=alice")
    bob = await open_ws(routes, "/ws/rooms/blue", query_string="user=bob")
    await alice.send_json({"action": "typing_start"})
    assert (await alice.receive_json())["action"] == "complete"
    assert (await bob.receive_json())["payload"] == {"room": "blue", "typists": ["alice"]}
    assert (await bob.receive_json())["action"] == "group_complete"  # each relay is completed
    await alice.send_json({"action": "typing_stop"})
    assert (await bob.receive_json())["payload"]["typists"] == []


async def test_rate_limit_alone_on_the_binding(
    mixin_store: MixinStore, binding: ModuleType, open_ws: OpenWs
) -> None:
    routes = [("/ws/rooms/{room}", alone(binding, mixin_store, RateLimitMixin))]
    alice = await open_ws(routes, "/ws/rooms/blue", query_string="user=alice")
    bob = await open_ws(routes, "/ws/rooms/blue", query_string="user=bob")
    for word in ("a", "b", "c"):
        await alice.send_json({"action": "shout", "payload": word, "ref": word})
    frames = [await alice.receive_json() for _ in range(5)]
    assert [f["action"] for f in frames] == ["shouted", "complete"] * 2 + ["error"]
    assert frames[-1]["ref"] == "c"
    assert frames[-1]["payload"][0]["retry_after"] > 0
    await bob.send_json({"action": "shout", "payload": "own bucket"})
    assert (await bob.receive_json())["payload"] == "own bucket"


async def test_flood_of_1000_frames_on_the_binding(
    mixin_store: MixinStore, binding: ModuleType, open_ws: OpenWs
) -> None:
    class Guarded(alone(binding, mixin_store, RateLimitMixin)):  # type: ignore[misc]
        rate_limit = BucketSpec(capacity=10, refill_rate=0.001)
        user_rate_limit = BucketSpec(capacity=15, refill_rate=0.001)  # through the store
        send_completion = False

    routes = [("/ws/rooms/{room}", Guarded)]
    flooder = await open_ws(routes, "/ws/rooms/blue", query_string="user=flooder")
    calm = await open_ws(routes, "/ws/rooms/blue", query_string="user=calm")
    for i in range(1000):
        await flooder.send_json({"action": "shout", "payload": str(i)})
    frames = [await flooder.receive_json() for _ in range(1000)]
    assert [f["payload"] for f in frames if f["action"] == "shouted"] == [str(i) for i in range(10)]
    assert sum(1 for f in frames if f["action"] == "error") == 990
    assert await flooder.receive_nothing()
    await calm.send_json({"action": "shout", "payload": "unaffected"})
    assert (await calm.receive_json())["payload"] == "unaffected"
