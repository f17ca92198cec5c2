"""TypingMixin alone, on the core consumer, with each store backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chanx.core.consumer import ChanxConsumer
from chanx.core.testing import RecordingLayer, WebsocketHarness
from chanx.mixins import ManualClock, MemoryStore, MixinStore, TypingMixin

Connect = Callable[..., WebsocketHarness]


def room_class(base: type[ChanxConsumer[Any]], store: MixinStore, **attrs: Any) -> type[Any]:
    return type("TypingRoom", (TypingMixin, base), {"mixin_store": store, **attrs})


def typists(frame: dict[str, Any]) -> list[str]:
    assert frame["action"] == "typing_users"
    return list(frame["payload"]["typists"])


async def test_room_except_sender_gets_the_set_of_typists(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Room = room_class(base, store)
    alice, bob, carol = connect(Room, "alice"), connect(Room, "bob"), connect(Room, "carol", "x")
    async with alice, bob, carol:
        await alice.send_json({"action": "typing_start"})
        assert typists(await bob.receive_json()) == ["alice"]
        await bob.send_json({"action": "typing_start"})
        assert typists(await alice.receive_json()) == ["alice", "bob"]
        await alice.send_json({"action": "typing_stop"})
        assert typists(await bob.receive_json()) == ["bob"]
        assert await alice.receive_nothing()  # the sender never hears its own change
        assert await carol.receive_nothing()  # another room hears nothing


async def test_repeated_starts_are_throttled_and_do_not_flood_the_room(
    base: type[ChanxConsumer[Any]],
    store: MixinStore,
    clock: ManualClock,
    connect: Connect,
    layer: Any,
) -> None:
    recording = RecordingLayer(layer)
    Room = type(
        "Recorded",
        (TypingMixin, base),
        {"mixin_store": store, "get_channel_layer": classmethod(lambda cls: recording)},
    )
    async with connect(Room, "alice") as alice, connect(Room, "bob") as bob:
        for _ in range(50):
            await alice.send_json({"action": "typing_start"})
        assert typists(await bob.receive_json()) == ["alice"]
        await alice.send_json({"action": "typing_stop"})  # frames are handled in order
        assert typists(await bob.receive_json()) == []
        typing_broadcasts = [b for b in recording.broadcasts() if b["action"] == "typing_users"]
        assert len(typing_broadcasts) == 2
        assert await bob.receive_nothing()


# 1.0 is exactly typing_throttle: only starts *within* the throttle are dropped
@pytest.mark.parametrize("later", [2.0, 1.0], ids=["after_the_throttle", "at_the_throttle"])
async def test_quiet_typist_expires_without_a_stop(
    base: type[ChanxConsumer[Any]],
    store: MixinStore,
    clock: ManualClock,
    connect: Connect,
    later: float,
) -> None:
    Room = room_class(base, store, typing_timeout=4.0, typing_throttle=1.0, send_completion=True)
    async with connect(Room, "alice") as alice, connect(Room, "bob") as bob:
        await alice.send_json({"action": "typing_start"})
        await alice.receive_all_json(stop_action="complete")
        assert typists(await bob.receive_json()) == ["alice"]
        assert (await bob.receive_json())["action"] == "group_complete"
        await clock.wait_for_sleepers(1)
        await clock.advance(later)
        await alice.send_json({"action": "typing_start"})  # still typing: refreshes, no event
        await alice.receive_all_json(stop_action="complete")
        await clock.wait_for_sleepers(1)
        await clock.advance(3)
        assert await bob.receive_nothing()
        await clock.advance(1)
        assert typists(await bob.receive_json()) == []
        assert (await bob.receive_json())["action"] == "group_complete"
        assert await alice.receive_nothing()
        await bob.send_json({"action": "typing_stop"})  # not typing: no change, no event
        await bob.receive_all_json(stop_action="complete")
        assert await alice.receive_nothing()
        # after expiring, a new start is a change again
        await alice.send_json({"action": "typing_start"})
        assert typists(await bob.receive_json()) == ["alice"]


async def test_disconnect_removes_the_typist(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Room = room_class(base, store)
    async with connect(Room, "bob") as bob:
        async with connect(Room, "alice") as alice:
            await alice.send_json({"action": "typing_start"})
            assert typists(await bob.receive_json()) == ["alice"]
        assert typists(await bob.receive_json()) == []
        key = Room.namespaced_room("lobby")
        assert (await store.typing_sweep(key)).typists == ()


def test_inconsistent_timing_is_refused_when_the_class_is_made(
    base: type[ChanxConsumer[Any]],
) -> None:
    from chanx.mixins import PresenceMixin

    with pytest.raises(TypeError, match="typing_throttle"):
        room_class(base, MemoryStore(), typing_timeout=1.0, typing_throttle=2.0)
    with pytest.raises(TypeError, match="presence_heartbeat"):
        type("Bad", (PresenceMixin, base), {"presence_ttl": 5.0, "presence_heartbeat": 5.0})


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"typing_timeout": "5"}, r"Bad\.typing_timeout must be a positive number"),
        ({"typing_throttle": None}, r"Bad\.typing_throttle must be a number of seconds >= 0"),
        ({"mixin_store": object()}, r"Bad\.mixin_store must be a MixinStore"),
        ({"room_url_param": ""}, r"Bad\.room_url_param must be a non-empty str"),
    ],
)
def test_wrongly_typed_settings_are_refused_when_the_class_is_made(
    base: type[ChanxConsumer[Any]], attrs: dict[str, Any], message: str
) -> None:
    from chanx.mixins import PresenceMixin, TypingMixin

    with pytest.raises(TypeError, match=message):
        type("Bad", (TypingMixin, base), dict(attrs))
    with pytest.raises(TypeError, match=r"Bad\.presence_grace must be a number of seconds"):
        type("Bad", (PresenceMixin, base), {"presence_grace": -1})


def test_a_mixin_listed_after_the_consumer_base_is_refused(
    base: type[ChanxConsumer[Any]],
) -> None:
    from chanx.mixins import PresenceMixin

    with pytest.raises(TypeError, match=r"list PresenceMixin before the consumer base class"):
        type("Late", (base, PresenceMixin), {})
