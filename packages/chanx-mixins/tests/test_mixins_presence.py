"""PresenceMixin alone, on the core consumer, with each store backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from chanx.core.consumer import ChanxConsumer
from chanx.core.testing import WebsocketHarness
from chanx.mixins import ManualClock, MemoryStore, MixinStore, PresenceMixin

Connect = Callable[..., WebsocketHarness]


def room_class(base: type[ChanxConsumer[Any]], store: MixinStore, **attrs: Any) -> type[Any]:
    attrs.setdefault("presence_ttl", 30.0)
    return type("Room", (PresenceMixin, base), {"mixin_store": store, **attrs})


def users(frame: dict[str, Any]) -> list[str]:
    return [u["user"] for u in frame["payload"]["users"]]


async def test_joiner_gets_state_and_others_get_one_join_diff(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Room = room_class(base, store)
    async with connect(Room, "alice") as alice:
        state = await alice.receive_json()
        assert state["action"] == "presence_state"
        assert users(state) == ["alice"]
        assert state["payload"]["connection_count"] == 1
        async with connect(Room, "bob") as bob:
            bob_state = await bob.receive_json()
            assert users(bob_state) == ["alice", "bob"]
            diff = await alice.receive_json()
            assert diff["action"] == "presence_diff"
            assert [u["user"] for u in diff["payload"]["joins"]] == ["bob"]
            assert diff["payload"]["leaves"] == []
            assert diff["payload"]["user_count"] == 2
            assert await bob.receive_nothing()  # the joiner gets no diff about itself
        leave = await alice.receive_json()
        assert leave["payload"]["leaves"] == ["bob"]
        assert leave["payload"]["joins"] == []
        assert leave["payload"]["user_count"] == 1


async def test_rooms_are_separate(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Room = room_class(base, store)
    async with connect(Room, "alice", "a") as alice, connect(Room, "bob", "b") as bob:
        assert users(await alice.receive_json()) == ["alice"]
        assert users(await bob.receive_json()) == ["bob"]
        assert await alice.receive_nothing()
    assert (await Room.get_presence("a")).user_count == 0


async def test_second_tab_is_tracked_but_user_joins_and_leaves_once(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    class Room(PresenceMixin, base):  # type: ignore[misc, valid-type]
        mixin_store = store

        def get_presence_meta(self) -> dict[str, Any]:
            return {"device": self.scope["query_string"].decode().split("device=")[-1]}

    def tab(user: str, device: str) -> WebsocketHarness:
        ws = connect(Room, user)
        ws.scope["query_string"] = f"user={user}&device={device}".encode()
        return ws

    async with connect(Room, "watcher") as watcher:
        await watcher.receive_json()
        phone = tab("alice", "phone")
        await phone.connect()
        join = await watcher.receive_json()
        assert [u["user"] for u in join["payload"]["joins"]] == ["alice"]
        async with tab("alice", "laptop") as laptop:
            state = await laptop.receive_json()
            alice = next(u for u in state["payload"]["users"] if u["user"] == "alice")
            assert sorted(c["meta"]["device"] for c in alice["connections"]) == ["laptop", "phone"]
            assert state["payload"]["user_count"] == 2
            assert state["payload"]["connection_count"] == 3
            counts = await Room.get_presence("lobby")
            assert (counts.user_count, counts.connection_count) == (2, 3)
            assert await watcher.receive_nothing()  # second tab: no second join
            await phone.disconnect()
            assert await watcher.receive_nothing()  # one tab left: no leave
        diff = await watcher.receive_json()
        assert diff["payload"]["leaves"] == ["alice"]


async def test_quick_reconnect_within_grace_is_neither_leave_nor_join(
    base: type[ChanxConsumer[Any]], store: MixinStore, clock: ManualClock, connect: Connect
) -> None:
    Room = room_class(base, store, presence_grace=5.0)
    async with connect(Room, "watcher") as watcher:
        await watcher.receive_json()
        async with connect(Room, "alice") as first:
            await first.receive_json()
            await watcher.receive_json()  # alice joined
        await clock.advance(2)
        assert await watcher.receive_nothing()
        async with connect(Room, "alice") as again:
            assert users(await again.receive_json()) == ["watcher", "alice"]
            await clock.advance(10)  # the old connection's grace ran out; alice is still here
            assert await watcher.receive_nothing()
            assert [c.user for c in await store.presence_list(Room.namespaced_room("lobby"))] == [
                "watcher",
                "alice",
            ]
        assert await watcher.receive_nothing(0.1)  # still in grace
        await clock.advance(5)
        diff = await watcher.receive_json()
        assert diff["payload"]["leaves"] == ["alice"]


async def test_presence_list_action_answers_with_the_state(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Room = room_class(base, store)
    async with connect(Room, "alice") as alice:
        await alice.receive_json()
        await alice.send_json({"action": "presence_list", "ref": 7})
        reply = await alice.receive_json()
        assert reply["ref"] == 7
        assert reply["action"] == "presence_state"
        assert users(reply) == ["alice"]


async def test_silent_connection_expires_and_the_room_is_told(
    base: type[ChanxConsumer[Any]],
    store: MixinStore,
    clock: ManualClock,
    connect: Connect,
    wait_until: Callable[..., Awaitable[None]],
) -> None:
    Room = room_class(base, store, presence_ttl=9.0, presence_heartbeat=3.0)
    key = Room.namespaced_room("lobby")
    # a connection of a process that died: in the store, never refreshed
    await store.presence_join(key, "ghost-conn", "ghost", "{}", ttl=9.0)
    async with connect(Room, "alice") as alice:
        assert users(await alice.receive_json()) == ["ghost", "alice"]
        for _ in range(3):
            await clock.wait_for_sleepers(1)
            await clock.advance(3)  # alice's heartbeats keep her alive
        diff = await alice.receive_json()
        assert diff["payload"]["leaves"] == ["ghost"]
        assert diff["payload"]["user_count"] == 1
        for _ in range(10):
            await clock.wait_for_sleepers(1)
            await clock.advance(3)
        assert [u.user for u in (await Room.get_presence("lobby")).users] == ["alice"]
        assert await alice.receive_nothing()  # her own heartbeats never made her leave


async def test_anonymous_connections_are_separate_users(
    layer: Any, store: MixinStore, connect: Connect
) -> None:
    class Anonymous(PresenceMixin, ChanxConsumer[Any]):
        mixin_store = store

        @classmethod
        def get_channel_layer(cls) -> Any:
            return layer

    async with connect(Anonymous, "x") as a, connect(Anonymous, "x") as b:
        await a.receive_json()
        state = await b.receive_json()
        assert state["payload"]["user_count"] == 2
        assert all(u.startswith("anonymous-") for u in users(state))


async def test_stalled_connection_rejoins_without_being_announced_as_left(
    base: type[ChanxConsumer[Any]], store: MixinStore, clock: ManualClock, connect: Connect
) -> None:
    Room = room_class(base, store, presence_ttl=9.0, presence_heartbeat=3.0)
    async with connect(Room, "alice") as alice:
        await alice.receive_json()
        # the process stalls past the TTL: alice's own heartbeat finds her entry swept, so she
        # rejoins; the diff shows her (re)joined and never in ``leaves`` at the same time
        await clock.wait_for_sleepers(1)
        await clock.advance(30)
        diff = (await alice.receive_json())["payload"]
        assert ([u["user"] for u in diff["joins"]], diff["leaves"]) == (["alice"], [])
        await alice.send_json({"action": "presence_list"})
        state = await alice.receive_json()
        assert [u["user"] for u in state["payload"]["users"]] == ["alice"]


class FlakyStore(MemoryStore):
    """A memory store whose first heartbeat fails, as a Redis outage would."""

    failures = 1

    async def presence_heartbeat(self, room: str, conn: str, ttl: float) -> Any:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("store unavailable")
        return await super().presence_heartbeat(room, conn, ttl)


async def test_a_failing_heartbeat_is_logged_and_retried(
    base: type[ChanxConsumer[Any]],
    clock: ManualClock,
    connect: Connect,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyStore(clock)
    Room = room_class(base, store, presence_ttl=9.0, presence_heartbeat=3.0)
    async with connect(Room, "alice") as alice:
        await alice.receive_json()
        for _ in range(4):  # 12 s: past the TTL only if the failed beat were not retried
            await clock.wait_for_sleepers(1)
            await clock.advance(3)
        assert "presence heartbeat failed" in caplog.text
        assert [u.user for u in (await Room.get_presence("lobby")).users] == ["alice"]
        assert await alice.receive_nothing()


def test_user_key_comes_from_pk_id_or_username() -> None:
    class User:
        def __init__(self, **attrs: Any) -> None:
            self.__dict__.update(attrs)

    room = PresenceMixin()
    room.scope = {"user": User(username="from-scope")}
    room.user = None
    assert room.get_user_key() == "from-scope"
    for user, key in [
        (User(pk=7, id=8), "7"),
        (User(id=8, username="x"), "8"),
        (User(username="x"), "x"),
        ("bob", "bob"),
        (42, "42"),
    ]:
        room.user = user
        assert room.get_user_key() == key
    room.user = User(is_authenticated=False, pk=None)
    assert room.get_user_key() == f"anonymous-{room.connection_key}"


class DownAtJoinStore(MemoryStore):
    """A memory store that is unreachable for the first join."""

    failures = 1

    async def presence_join(self, room: str, conn: str, user: str, data: str, ttl: float) -> Any:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("store unavailable")
        return await super().presence_join(room, conn, user, data, ttl)


async def test_store_down_at_connect_keeps_the_connection_and_joins_later(
    base: type[ChanxConsumer[Any]],
    clock: ManualClock,
    connect: Connect,
    caplog: pytest.LogCaptureFixture,
) -> None:
    Room = room_class(base, DownAtJoinStore(clock), presence_ttl=9.0, presence_heartbeat=3.0)
    async with connect(Room, "alice") as alice:
        assert await alice.receive_nothing()  # accepted, no state yet
        assert "presence join failed" in caplog.text
        await clock.wait_for_sleepers(1)
        await clock.advance(3)
        state = await alice.receive_json()
        assert state["action"] == "presence_state"
        assert [u["user"] for u in state["payload"]["users"]] == ["alice"]
