"""The mixins through a Redis outage: connections survive, presence recovers after restart.

A private ``redis-server`` (no persistence) holds the mixins' store; it is killed while a client
is connected and restarted empty. Time for heartbeats is a manual clock; Redis is real.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from reliability_servers import RedisServer

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.layers import InMemoryChannelLayer
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.mixins import (
    BucketSpec,
    ManualClock,
    PresenceMixin,
    RateLimitMixin,
    TypingMixin,
)
from chanx.mixins.stores import StoreUnavailable
from chanx.mixins.stores.redis import RedisStore

pytestmark = pytest.mark.redis


class Say(BaseMessage):
    action: Literal["say"] = "say"
    payload: str = ""


class UserFromQuery(BaseAuthenticator):
    async def authenticate(self) -> bool:
        self.user = self.get_query_param("user")
        return bool(self.user)


async def test_connections_survive_a_redis_outage_and_presence_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    layer = InMemoryChannelLayer()
    with RedisServer() as redis:
        store = RedisStore.from_url(redis.url, prefix="outage:", clock=clock)

        class Room(PresenceMixin, TypingMixin, RateLimitMixin, ChanxConsumer[Any]):
            authenticator_class = UserFromQuery
            mixin_store = store
            presence_ttl = 9.0
            presence_heartbeat = 3.0
            user_rate_limit = BucketSpec(capacity=100, refill_rate=10)
            send_completion = True

            @classmethod
            def get_channel_layer(cls) -> InMemoryChannelLayer:
                return layer

            @ws_handler
            async def handle_say(self, message: Say) -> None:
                pass

        def client(user: str) -> WebsocketHarness:
            return WebsocketHarness(
                Room, "/ws/lobby", query_string=f"user={user}", path_params={"room": "lobby"},
                timeout=10,
            )  # fmt: skip

        try:
            async with client("alice") as alice:
                assert (await alice.receive_json())["action"] == "presence_state"
                redis.stop()  # all state is gone with it

                await alice.send_json({"action": "say"})  # per-user bucket: fails open
                assert (await alice.receive_json())["action"] == "complete"
                await alice.send_json({"action": "typing_start"})  # a clear error, still open
                error = await alice.receive_json()
                assert error["action"] == "error"
                assert [e["type"] for e in error["payload"]] == ["store_unavailable"]
                assert (await alice.receive_json())["action"] == "complete"  # errors too
                await clock.wait_for_sleepers(1)
                await clock.advance(3)
                await clock.wait_for_sleepers(1, timeout=15)  # the failed beat went back to sleep
                assert "presence heartbeat failed" in caplog.text

                redis.start()  # same port, empty
                await clock.advance(3)
                diff = await alice.receive_json()  # the heartbeat found her gone and rejoined
                assert diff["action"] == "presence_diff"
                assert [u["user"] for u in diff["payload"]["joins"]] == ["alice"]
                async with client("bob") as bob:
                    state = await bob.receive_json()
                    assert [u["user"] for u in state["payload"]["users"]] == ["alice", "bob"]
                    await alice.send_json({"action": "typing_start"})  # works again at once
                    typing = await bob.receive_json()
                    assert typing["action"] == "typing_users"
                    assert typing["payload"]["typists"] == ["alice"]
        finally:
            await store.close()


async def test_the_redis_store_retries_a_dead_pooled_connection_and_then_says_unavailable() -> None:
    with RedisServer() as redis:
        store = RedisStore.from_url(redis.url, prefix="retry:", clock=ManualClock())
        try:
            await store.typing_start("room", "alice", 5.0)  # the pool holds a connection now
            redis.stop()
            with pytest.raises(StoreUnavailable, match="unreachable"):
                await store.typing_start("room", "alice", 5.0)
            redis.start()  # the pooled connection is dead; the retry takes a new one
            change = await store.typing_start("room", "bob", 5.0)
            assert change.typists == ("bob",)  # Redis restarted empty: alice is gone
        finally:
            await store.close()
