"""The three mixins stacked on one consumer, with each store, plus their AsyncAPI document."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import pytest

from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.mixins import (
    BucketSpec,
    ManualClock,
    MixinStore,
    PresenceMixin,
    RateLimitMixin,
    TypingMixin,
)

Connect = Callable[..., WebsocketHarness]


class Chat(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: str


class ChatSaid(BaseMessage):
    action: Literal["chat_said"] = "chat_said"
    payload: str


def stacked(base: type[ChanxConsumer[Any]], store: MixinStore, order: str) -> type[Any]:
    mixins: dict[str, type] = {"P": PresenceMixin, "T": TypingMixin, "R": RateLimitMixin}
    bases: tuple[type, ...] = (*(mixins[c] for c in order), base)

    async def handle_chat(self: Any, message: Chat) -> None:
        await self.broadcast_message(ChatSaid(payload=f"{self.user}: {message.payload}"))

    return type(
        "Room",
        bases,
        {
            "mixin_store": store,
            "rate_limit": BucketSpec(capacity=5, refill_rate=1),
            "rate_limit_actions": {"typing_start": BucketSpec(capacity=50, refill_rate=10)},
            "handle_chat": ws_handler(output_type=ChatSaid)(handle_chat),
        },
    )


@pytest.mark.parametrize("order", ["PTR", "RTP", "TRP"])
async def test_stacked_mixins_work_together_in_any_order(
    base: type[ChanxConsumer[Any]],
    store: MixinStore,
    clock: ManualClock,
    connect: Connect,
    order: str,
) -> None:
    Room = stacked(base, store, order)
    Room.get_room_group = lambda self: f"room-{self.get_room_key()}"
    async with connect(Room, "alice") as alice:
        assert (await alice.receive_json())["action"] == "presence_state"
        async with connect(Room, "bob") as bob:
            assert [u["user"] for u in (await bob.receive_json())["payload"]["users"]] == [
                "alice",
                "bob",
            ]
            assert (await alice.receive_json())["payload"]["joins"][0]["user"] == "bob"
            await bob.send_json({"action": "typing_start"})
            assert (await alice.receive_json())["payload"]["typists"] == ["bob"]
            # chat goes to self.groups, which holds the room group the mixins share; the
            # typing frame used its own bucket, so five chat frames of the default one pass
            for i in range(8):
                await bob.send_json({"action": "chat", "payload": str(i)})
            said = [await alice.receive_json() for _ in range(5)]
            assert [f["payload"] for f in said] == [f"bob: {i}" for i in range(5)]
            replies = [await bob.receive_json() for _ in range(8)]
            errors = [r for r in replies if r["action"] == "error"]
            assert len(errors) == 3
            assert all(e["payload"][0]["retry_after"] > 0 for e in errors)
            assert await alice.receive_nothing()
        frames = [await alice.receive_json(), await alice.receive_json()]
        by_action = {f["action"]: f["payload"] for f in frames}
        assert by_action["typing_users"]["typists"] == []
        assert by_action["presence_diff"]["leaves"] == ["bob"]


def test_every_mixin_message_is_routed_for_asyncapi(base: type[ChanxConsumer[Any]]) -> None:
    from chanx.mixins import MemoryStore

    Room = stacked(base, MemoryStore(), "PTR")
    registry = Room.get_registry()
    assert {r.action for r in registry.ws_routes} == {
        "presence_list",
        "typing_start",
        "typing_stop",
        "chat",
    }
    sent = {r.action for r in registry.event_routes}
    assert {"presence_state", "presence_diff", "typing_users", "rate_limited"} <= sent


def test_asyncapi_document_lists_the_mixin_messages(base: type[ChanxConsumer[Any]]) -> None:
    asyncapi = pytest.importorskip("chanx.asyncapi")
    from chanx.mixins import MemoryStore

    Room = stacked(base, MemoryStore(), "PTR")
    doc = json.loads(asyncapi.to_json(asyncapi.generate([("/ws/{room}", Room)])))
    text = json.dumps(doc)
    for name in (
        "PresenceStateMessage",
        "PresenceDiffMessage",
        "PresenceListMessage",
        "TypingStartMessage",
        "TypingStopMessage",
        "TypingUsersMessage",
        "RateLimitErrorMessage",
    ):
        assert name in text, f"{name} missing from the AsyncAPI document"
    assert "retry_after" in text
    assert {op["action"] for op in doc["operations"].values()} == {"receive", "send"}
