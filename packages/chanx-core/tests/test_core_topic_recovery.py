"""Topic recovery: numbered publishes, bounded history, replay without gaps or duplicates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer
from pydantic import BaseModel

from chanx.core import InMemoryChannelLayer, event_handler
from chanx.core.history import HistoryStore, InMemoryHistoryStore
from chanx.core.history_redis import RedisHistoryStore
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage


class Tick(BaseMessage):
    action: Literal["tick"] = "tick"
    payload: int


STORE = InMemoryHistoryStore()


class FeedTopic(Topic[Tick]):
    pattern = "feed:{name}"
    recovery = True
    history = STORE
    history_size = 50

    @event_handler
    async def on_tick(self, event: Tick) -> Tick:
        return event


class FeedHub(LayerConsumer):
    topics = [FeedTopic]


class PassthroughFeed(Topic[Tick]):
    """The same stream, forwarded as the publisher's ready text (no handler runs)."""

    pattern = "feed:{name}"
    recovery = True
    history = STORE
    history_size = 50
    passthrough_events = [Tick]


class PassthroughHub(LayerConsumer):
    topics = [PassthroughFeed]


@pytest.fixture(autouse=True, params=["handler", "passthrough"])
def layer(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InMemoryChannelLayer]:
    """Each test on a topic whose handler re-encodes, and on one that forwards ready text."""
    if request.param == "passthrough":
        monkeypatch.setitem(globals(), "FeedTopic", PassthroughFeed)
        monkeypatch.setitem(globals(), "FeedHub", PassthroughHub)
    STORE.forget()
    yield fresh_layer()
    LayerConsumer.layer = None


async def subscribe(ws: WebsocketHarness, topic: str, **position: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"topic": topic, "ref": "s", "action": "subscribe"}
    if position:
        frame["payload"] = position
    await ws.send_json(frame)
    reply: dict[str, Any] = await ws.receive_json()
    assert reply["action"] == "subscribed"
    assert reply["ref"] == "s"
    return reply


async def ticks(ws: WebsocketHarness, n: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        frame = await ws.receive_json()
        assert frame["action"] == "tick", frame
        assert "ref" not in frame
        out.append((frame["seq"], frame["payload"]))
    return out


async def test_publishes_are_numbered_and_a_resubscribe_replays_exactly_the_missed() -> None:
    async with WebsocketHarness(FeedHub) as ws:
        first = await subscribe(ws, "feed:a")
        assert first["payload"]["recovered"] is False
        assert first["payload"]["seq"] == 0
        epoch = first["payload"]["epoch"]
        for i in range(3):
            await FeedTopic.broadcast("feed:a", Tick(payload=i))
        assert await ticks(ws, 3) == [(1, 0), (2, 1), (3, 2)]
    for i in range(3, 10):  # nobody listening: only the history has them
        await FeedTopic.broadcast("feed:a", Tick(payload=i))
    async with WebsocketHarness(FeedHub) as ws:
        reply = await subscribe(ws, "feed:a", seq=3, epoch=epoch)
        assert reply["payload"] == {"recovered": True, "epoch": epoch, "seq": 10}
        assert await ticks(ws, 7) == [(s, s - 1) for s in range(4, 11)]
        await FeedTopic.broadcast("feed:a", Tick(payload=10))
        assert await ticks(ws, 1) == [(11, 10)]
        assert await ws.receive_nothing()


async def test_trimmed_history_or_other_epoch_is_reported_not_replayed() -> None:
    epoch = (await STORE.read("feed:b", 0, None, size=50, ttl=60)).position.epoch
    for i in range(60):  # 10 more than the history keeps
        await FeedTopic.broadcast("feed:b", Tick(payload=i))
    async with WebsocketHarness(FeedHub) as ws:
        reply = await subscribe(ws, "feed:b", seq=2, epoch=epoch)
        assert reply["payload"] == {"recovered": False, "epoch": epoch, "seq": 60}
        await subscribe(ws, "feed:c", seq=0, epoch="not-this-one")
        assert await ws.receive_nothing()  # nothing replayed after a failed recovery
    async with WebsocketHarness(FeedHub) as ws:
        reply = await subscribe(ws, "feed:b", seq=55, epoch=epoch)
        assert reply["payload"]["recovered"] is True
        assert [s for s, _ in await ticks(ws, 5)] == [56, 57, 58, 59, 60]


async def test_bad_recovery_position_is_a_validation_error() -> None:
    async with WebsocketHarness(FeedHub) as ws:
        await ws.send_json({"topic": "feed:x", "action": "subscribe", "payload": {"seq": -1}})
        frame = await ws.receive_json()
        assert frame["action"] == "error"
        assert frame["topic"] == "feed:x"
        assert {tuple(e["loc"]) for e in frame["payload"]} == {("seq",), ("epoch",)}


async def test_live_publishes_during_replay_are_held_then_deduplicated() -> None:
    """Publishes racing the replay arrive once, in order, after the replayed ones."""
    reading = asyncio.Event()
    gate = asyncio.Event()

    class SlowStore(InMemoryHistoryStore):
        hold = False

        async def read(self, *args: Any, **kwargs: Any) -> Any:
            result = await super().read(*args, **kwargs)
            if self.hold:  # publishes happen while the subscriber holds its history read
                reading.set()
                await gate.wait()
            return result

    slow = SlowStore()

    class SlowFeed(FeedTopic):
        history = slow

    class SlowHub(LayerConsumer):
        topics = [SlowFeed]

    epoch = (await slow.read("feed:r", 0, None, size=50, ttl=60)).position.epoch
    for i in range(5):
        await SlowFeed.broadcast("feed:r", Tick(payload=i))
    slow.hold = True
    async with WebsocketHarness(SlowHub) as ws:
        await ws.send_json(
            {"topic": "feed:r", "action": "subscribe", "payload": {"seq": 2, "epoch": epoch}}
        )
        await asyncio.wait_for(reading.wait(), 5)  # the group was joined before the read
        for i in range(5, 8):  # live: seqs 6..8, after the history read saw 1..5
            await SlowFeed.broadcast("feed:r", Tick(payload=i))
        gate.set()
        reply = await ws.receive_json()
        assert reply["payload"]["recovered"] is True
        assert reply["payload"]["seq"] == 5
        assert [s for s, _ in await ticks(ws, 6)] == [3, 4, 5, 6, 7, 8]
        assert await ws.receive_nothing()


async def test_a_gap_in_live_delivery_is_filled_from_the_history() -> None:
    async with WebsocketHarness(FeedHub) as ws:
        await subscribe(ws, "feed:g")
        await FeedTopic.broadcast("feed:g", Tick(payload=1))
        await STORE.append("feed:g", Tick(payload=2).model_dump_json(), size=50, ttl=600)
        await FeedTopic.broadcast("feed:g", Tick(payload=3))  # seq 3 arrives, 2 never did
        assert await ticks(ws, 3) == [(1, 1), (2, 2), (3, 3)]
        assert await ws.receive_nothing()  # the fill delivered 3 already: not again


async def test_a_first_subscribe_starts_at_the_current_position_without_replay() -> None:
    for i in range(5):  # history nobody asked for
        await FeedTopic.broadcast("feed:n", Tick(payload=i))
    async with WebsocketHarness(FeedHub) as ws:
        reply = await subscribe(ws, "feed:n")  # no position: live from now on
        assert reply["payload"]["recovered"] is False
        assert reply["payload"]["seq"] == 5
        assert await ws.receive_nothing()
        await FeedTopic.broadcast("feed:n", Tick(payload=5))
        assert await ticks(ws, 1) == [(6, 5)]


async def test_a_new_epoch_is_announced_and_the_stream_continues() -> None:
    async with WebsocketHarness(FeedHub) as ws:
        epoch = (await subscribe(ws, "feed:e"))["payload"]["epoch"]
        await FeedTopic.broadcast("feed:e", Tick(payload=1))
        await FeedTopic.broadcast("feed:e", Tick(payload=2))
        assert [s for s, _ in await ticks(ws, 2)] == [1, 2]
        STORE.forget("feed:e")  # the history is lost (a restart, a flush)
        await FeedTopic.broadcast("feed:e", Tick(payload=3))
        notice = await ws.receive_json()
        assert notice["action"] == "subscribed"
        assert "ref" not in notice
        assert notice["payload"]["recovered"] is False
        assert notice["payload"]["epoch"] != epoch
        assert await ticks(ws, 1) == [(1, 3)]


async def test_seq_is_refused_for_topics_with_recovery() -> None:
    with pytest.raises(ValueError, match="do not pass seq"):
        await FeedTopic.broadcast("feed:a", Tick(payload=1), seq=3)
    with pytest.raises(ValueError, match="does not match"):
        await FeedTopic.broadcast("nope", Tick(payload=1))


# -- the stores ----------------------------------------------------------------------------
@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[HistoryStore]:
    if request.param == "memory":
        yield InMemoryHistoryStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisHistoryStore(url, prefix=f"chanx-test-{uuid.uuid4().hex[:10]}")
    yield redis_store
    await redis_store.close()


async def test_store_contract(store: HistoryStore) -> None:
    fresh = await store.read("t:1", 0, None, size=3, ttl=60)
    assert fresh.position.seq == 0
    assert fresh.entries == ()
    assert not fresh.complete
    epoch = fresh.position.epoch
    positions = [await store.append("t:1", f'"{i}"', size=3, ttl=60) for i in range(5)]
    assert [p.seq for p in positions] == [1, 2, 3, 4, 5]
    assert {p.epoch for p in positions} == {epoch}
    read = await store.read("t:1", 2, epoch, size=3, ttl=60)
    assert read.complete
    assert read.entries == ((3, '"2"'), (4, '"3"'), (5, '"4"'))
    assert not (await store.read("t:1", 1, epoch, size=3, ttl=60)).complete  # seq 2 trimmed
    caught_up = await store.read("t:1", 5, epoch, size=3, ttl=60)
    assert caught_up.complete
    assert caught_up.entries == ()
    other = await store.read("t:1", 4, "other", size=3, ttl=60)
    assert other.entries == ()
    assert not other.complete
    assert not (await store.read("t:1", 9, epoch, size=3, ttl=60)).complete  # ahead of it


async def test_store_age_limit(store: HistoryStore) -> None:
    epoch = (await store.append("t:2", "1", size=10, ttl=0.2)).epoch
    assert (await store.read("t:2", 0, epoch, size=10, ttl=0.2)).complete
    deadline = asyncio.get_running_loop().time() + 5
    while (await store.read("t:2", 0, epoch, size=10, ttl=0.2)).complete:
        assert asyncio.get_running_loop().time() < deadline, "entry never expired"
        await asyncio.sleep(0.05)


async def test_concurrent_appends_get_distinct_increasing_seqs(store: HistoryStore) -> None:
    positions = await asyncio.gather(
        *(store.append("t:3", str(i), size=100, ttl=60) for i in range(40))
    )
    assert sorted(p.seq for p in positions) == list(range(1, 41))


class Reading(BaseModel):
    sensor_id: int


class SensorTick(BaseMessage):
    action: Literal["sensor_tick"] = "sensor_tick"
    payload: Reading


class SensorFeed(Topic[SensorTick]):
    pattern = "sensor:{name}"
    recovery = True
    history = STORE
    passthrough_events = [SensorTick]


class CamelSensorHub(LayerConsumer):
    camelize = True
    topics = [SensorFeed]


async def test_a_camelizing_subscriber_gets_recovered_passthrough_frames_in_camel_case() -> None:
    # the publisher's ready text is snake_case: a camelizing connection re-encodes it, live
    # and replayed alike
    async with WebsocketHarness(CamelSensorHub) as ws:
        epoch = (await subscribe(ws, "sensor:a"))["payload"]["epoch"]
        await SensorFeed.broadcast("sensor:a", SensorTick(payload=Reading(sensor_id=1)))
        live = await ws.receive_json()
        assert live["payload"] == {"sensorId": 1}
        assert live["seq"] == 1
    await SensorFeed.broadcast("sensor:a", SensorTick(payload=Reading(sensor_id=2)))
    async with WebsocketHarness(CamelSensorHub) as ws:
        await subscribe(ws, "sensor:a", seq=1, epoch=epoch)
        replayed = await ws.receive_json()
        assert replayed["payload"] == {"sensorId": 2}
        assert replayed["seq"] == 2
