"""The topic mixins: presence, typing and rate limits per topic string, two topics on a socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

import pytest

from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage
from chanx.mixins import (
    BucketSpec,
    ManualClock,
    MemoryStore,
    MixinStore,
    PresenceMixin,
    TopicPresenceMixin,
    TopicRateLimitMixin,
    TopicTypingMixin,
)

Connect = Callable[..., WebsocketHarness]


class Nudge(BaseMessage):
    action: Literal["nudge"] = "nudge"


def hub(base: type[ChanxConsumer[Any]], store: MixinStore, **attrs: Any) -> type[Any]:
    """A consumer multiplexing ``room:{room_id}`` topics with all three topic mixins."""
    attrs.setdefault("presence_ttl", 30.0)

    class RoomTopic(TopicPresenceMixin, TopicTypingMixin, TopicRateLimitMixin, Topic[Any]):
        pattern = "room:{room_id}"
        mixin_store = store
        handled: ClassVar[list[str]] = []

        @ws_handler
        async def nudge(self, message: Nudge) -> None:
            self.handled.append(self.topic)

    for name, value in attrs.items():
        setattr(RoomTopic, name, value)
    return type("Hub", (base,), {"topics": [RoomTopic]})


def users(frame: dict[str, Any]) -> list[str]:
    return [u["user"] for u in frame["payload"]["users"]]


async def subscribe(ws: WebsocketHarness, topic: str) -> dict[str, Any]:
    """Subscribe; return the presence state that follows the ``subscribed`` reply."""
    await ws.send_json({"topic": topic, "action": "subscribe", "ref": topic})
    reply = await ws.receive_json()
    assert (reply["action"], reply["topic"], reply["ref"]) == ("subscribed", topic, topic)
    state: dict[str, Any] = await ws.receive_json()
    assert (state["action"], state["topic"]) == ("presence_state", topic)
    assert "ref" not in state  # a push, not a reply
    return state


async def test_presence_per_topic_with_two_topics_on_one_socket(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Hub = hub(base, store)
    async with connect(Hub, "alice") as alice, connect(Hub, "bob") as bob:
        assert users(await subscribe(alice, "room:1")) == ["alice"]
        assert users(await subscribe(alice, "room:2")) == ["alice"]
        assert users(await subscribe(bob, "room:2")) == ["alice", "bob"]
        diff = await alice.receive_json()
        assert (diff["action"], diff["topic"]) == ("presence_diff", "room:2")
        assert [u["user"] for u in diff["payload"]["joins"]] == ["bob"]
        assert await bob.receive_nothing()  # no diff about itself, nothing from room:1
        await bob.send_json({"topic": "room:2", "action": "unsubscribe"})
        assert (await bob.receive_json())["action"] == "unsubscribed"
        leave = await alice.receive_json()
        assert (leave["topic"], leave["payload"]["leaves"]) == ("room:2", ["bob"])
        await alice.send_json({"topic": "room:1", "action": "presence_list", "ref": 7})
        listed = await alice.receive_json()
        assert (listed["action"], listed["ref"], users(listed)) == ("presence_state", 7, ["alice"])
    topic = Hub.topics[0]
    assert (await topic.get_presence("room:1")).user_count == 0
    assert (await topic.get_presence("room:2")).user_count == 0


async def test_closing_the_socket_leaves_every_topic(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Hub = hub(base, store)
    async with connect(Hub, "watcher") as watcher:
        await subscribe(watcher, "room:1")
        await subscribe(watcher, "room:2")
        async with connect(Hub, "bob") as bob:
            await subscribe(bob, "room:1")
            await subscribe(bob, "room:2")
            joins = [await watcher.receive_json() for _ in range(2)]
            assert sorted(j["topic"] for j in joins) == ["room:1", "room:2"]
        leaves = [await watcher.receive_json() for _ in range(2)]
        assert sorted((f["topic"], tuple(f["payload"]["leaves"])) for f in leaves) == [
            ("room:1", ("bob",)),
            ("room:2", ("bob",)),
        ]


async def test_reconnect_within_grace_is_neither_leave_nor_join_per_topic(
    base: type[ChanxConsumer[Any]], store: MixinStore, clock: ManualClock, connect: Connect
) -> None:
    Hub = hub(base, store, presence_grace=5.0)
    async with connect(Hub, "watcher") as watcher:
        await subscribe(watcher, "room:1")
        async with connect(Hub, "alice") as alice:
            await subscribe(alice, "room:1")
            assert (await watcher.receive_json())["payload"]["joins"][0]["user"] == "alice"
        async with connect(Hub, "alice") as alice:  # back within the grace period
            assert users(await subscribe(alice, "room:1")) == ["watcher", "alice"]
            await clock.advance(10)  # the old subscription's grace ran out; alice is still here
            assert await watcher.receive_nothing(0.1)
        assert await watcher.receive_nothing(0.1)  # still in grace
        await clock.advance(10)
        leave = await watcher.receive_json()
        assert (leave["topic"], leave["payload"]["leaves"]) == ("room:1", ["alice"])


async def test_typing_per_topic_reaches_the_others_of_that_topic_only(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Hub = hub(base, store)
    async with connect(Hub, "alice") as alice, connect(Hub, "bob") as bob:
        await subscribe(alice, "room:1")
        await subscribe(alice, "room:2")
        await subscribe(bob, "room:1")
        await alice.receive_json()  # bob joined room:1
        await alice.send_json({"topic": "room:2", "action": "typing_start"})
        assert await bob.receive_nothing()  # bob is not in room:2
        await alice.send_json({"topic": "room:1", "action": "typing_start"})
        typing = await bob.receive_json()
        assert (typing["action"], typing["topic"]) == ("typing_users", "room:1")
        assert typing["payload"]["typists"] == ["alice"]
        assert await alice.receive_nothing()  # never to the typist itself
        await alice.send_json({"topic": "room:1", "action": "unsubscribe"})
        assert (await alice.receive_json())["action"] == "unsubscribed"
        frames = {f["action"]: f for f in [await bob.receive_json() for _ in range(2)]}
        assert frames["typing_users"]["payload"]["typists"] == []  # stopped with the leave
        assert frames["presence_diff"]["payload"]["leaves"] == ["alice"]


async def test_rate_limit_per_topic_subscription(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Hub = hub(
        base,
        MemoryStore(clock),
        rate_limit=BucketSpec(capacity=2, refill_rate=1),
        rate_limit_actions={"presence_list": None},
    )
    topic = Hub.topics[0]
    topic.handled.clear()
    async with connect(Hub, "alice") as alice:
        await subscribe(alice, "room:1")
        await subscribe(alice, "room:2")
        for i in range(3):
            await alice.send_json({"topic": "room:1", "action": "nudge", "ref": i})
        limited = await alice.receive_json()
        assert (limited["action"], limited["topic"], limited["ref"]) == ("error", "room:1", 2)
        assert limited["payload"][0]["type"] == "rate_limited"
        assert limited["payload"][0]["retry_after"] == 1.0
        for _ in range(2):  # the other topic has buckets of its own
            await alice.send_json({"topic": "room:2", "action": "nudge"})
        for _ in range(3):  # an exempt action
            await alice.send_json({"topic": "room:1", "action": "presence_list"})
            assert (await alice.receive_json())["action"] == "presence_state"
        assert topic.handled == ["room:1", "room:1", "room:2", "room:2"]
        await clock.advance(1)
        await alice.send_json({"topic": "room:1", "action": "nudge"})
        await alice.send_json({"topic": "room:1", "action": "presence_list"})
        await alice.receive_json()  # ordered: the nudge before ran
        assert topic.handled[-1] == "room:1"


async def test_user_bucket_per_topic_is_shared_by_the_users_connections(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Hub = hub(base, MemoryStore(clock), rate_limit=None, user_rate_limit=BucketSpec(3, 0.001))
    topic = Hub.topics[0]
    topic.handled.clear()
    async with connect(Hub, "alice") as tab1, connect(Hub, "alice") as tab2:
        await subscribe(tab1, "room:1")
        await subscribe(tab2, "room:1")
        for ws in (tab1, tab2, tab1, tab2):
            await ws.send_json({"topic": "room:1", "action": "nudge"})
        limited = await tab2.receive_json()  # the fourth frame found the user's bucket empty
        assert (limited["action"], limited["payload"][0]["type"]) == ("error", "rate_limited")
        assert await tab1.receive_nothing(0.1)
        assert len(topic.handled) == 3
        await tab1.send_json({"topic": "room:1", "action": "subscribe"})  # not a topic frame
        assert (await tab1.receive_json())["action"] == "subscribed"


def test_wrong_settings_fail_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"Bad\.presence_grace must be a number of seconds"):
        type("Bad", (TopicPresenceMixin, Topic), {"pattern": "x:{y}", "presence_grace": -1})
    with pytest.raises(TypeError, match=r"Bad: typing_throttle \(2\) must be shorter"):
        type("Bad", (TopicTypingMixin, Topic), {"typing_timeout": 1, "typing_throttle": 2})
    with pytest.raises(TypeError, match=r"Bad\.rate_limit must be a BucketSpec"):
        type("Bad", (TopicRateLimitMixin, Topic), {"rate_limit": 5})
    with pytest.raises(TypeError, match=r"Bad\.mixin_store must be a MixinStore"):
        type("Bad", (TopicPresenceMixin, Topic), {"mixin_store": "redis"})


async def test_a_room_consumers_user_key_is_the_topics_user_key(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    class Room(PresenceMixin, base):  # type: ignore[misc, valid-type]
        mixin_store = store

        def get_user_key(self) -> str:
            return f"user-{self.user}"

    class Chat(TopicPresenceMixin, Topic[Any]):
        pattern = "chat:{id}"
        mixin_store = store

    Room.topics = [Chat]
    Hub = type("Hub", (Room,), {})
    async with connect(Hub, "alice") as alice:
        assert users(await alice.receive_json()) == ["user-alice"]  # the room's own state
        assert users(await subscribe(alice, "chat:1")) == ["user-alice"]
