"""RateLimitMixin alone: buckets per connection, per user (through each store) and per action."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

import pytest

from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.mixins import (
    RATE_LIMIT_CLOSE_CODE,
    BucketSpec,
    ManualClock,
    MemoryStore,
    MixinStore,
    RateLimitMixin,
    extract_action,
)

Connect = Callable[..., WebsocketHarness]


class Say(BaseMessage):
    action: Literal["say"] = "say"
    payload: str = ""


class Nudge(BaseMessage):
    action: Literal["nudge"] = "nudge"
    payload: Any = None


def limited(base: type[ChanxConsumer[Any]], store: MixinStore, **attrs: Any) -> type[Any]:
    """A consumer whose handlers record what reached them."""
    seen: list[str] = []

    class Limited(RateLimitMixin, base):  # type: ignore[misc, valid-type]
        mixin_store = store
        handled = seen

        @ws_handler
        async def handle_say(self, message: Say) -> None:
            self.handled.append(f"{self.user}:say:{message.payload}")

        @ws_handler
        async def handle_nudge(self, message: Nudge) -> None:
            self.handled.append(f"{self.user}:nudge")

    for name, value in attrs.items():
        setattr(Limited, name, value)
    return Limited


async def drain_errors(ws: WebsocketHarness, count: int) -> list[dict[str, Any]]:
    frames = [await ws.receive_json() for _ in range(count)]
    assert await ws.receive_nothing()
    return frames


async def test_flood_of_1000_frames_passes_only_the_bucket(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Room = limited(base, MemoryStore(clock), rate_limit=BucketSpec(capacity=10, refill_rate=5))
    async with connect(Room, "flooder") as flooder, connect(Room, "calm") as calm:
        for i in range(1000):
            await flooder.send_json({"action": "say", "payload": str(i)})
        errors = await drain_errors(flooder, 990)
        assert Room.handled == [f"flooder:say:{i}" for i in range(10)]
        assert {e["action"] for e in errors} == {"error"}
        entry = errors[0]["payload"][0]
        assert entry["type"] == "rate_limited"
        assert entry["retry_after"] == pytest.approx(0.2)
        # the other connection has its own bucket
        await calm.send_json({"action": "say", "payload": "hi"})
        await calm.send_json({"action": "say", "payload": "there"})
        assert await calm.receive_nothing()
        assert Room.handled[-2:] == ["calm:say:hi", "calm:say:there"]
        # tokens come back with time
        await clock.advance(0.2)
        await flooder.send_json({"action": "say", "payload": "later"})
        assert await flooder.receive_nothing()
        assert Room.handled[-1] == "flooder:say:later"


async def test_flood_on_the_real_clock_stays_within_capacity_plus_refill(
    base: type[ChanxConsumer[Any]], connect: Connect
) -> None:
    spec = BucketSpec(capacity=20, refill_rate=10)
    Room = limited(base, MemoryStore(), rate_limit=spec, send_completion=True)
    async with connect(Room, "flooder") as flooder:
        started = time.monotonic()
        for i in range(1000):
            await flooder.send_json({"action": "say", "payload": str(i)})
        replies = [(await flooder.receive_json())["action"] for _ in range(1000)]
        elapsed = time.monotonic() - started
        assert await flooder.receive_nothing()
    assert replies.count("complete") == len(Room.handled)
    assert replies.count("error") == 1000 - len(Room.handled)
    assert 20 <= len(Room.handled) <= 20 + spec.refill_rate * elapsed + 1


async def test_error_frame_echoes_ref_and_binary_frames_are_counted(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Room = limited(base, MemoryStore(clock), rate_limit=BucketSpec(capacity=1, refill_rate=1))
    async with connect(Room, "alice") as alice:
        await alice.send_bytes(b"\x00")
        assert (await alice.receive_json())["payload"][0]["type"] == "json_invalid"
        await alice.send_json({"action": "say", "payload": "x", "ref": "r1"})
        frame = await alice.receive_json()
        assert frame == {
            "version": 1,
            "ref": "r1",
            "action": "error",
            "payload": [
                {
                    "type": "rate_limited",
                    "loc": [],
                    "msg": "Too many messages; wait retry_after seconds",
                    "retry_after": 1.0,
                }
            ],
        }
        assert Room.handled == []


async def test_per_action_buckets_and_exemptions(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Room = limited(
        base,
        MemoryStore(clock),
        rate_limit=BucketSpec(capacity=2, refill_rate=1),
        rate_limit_actions={"nudge": None},
    )
    async with connect(Room, "alice") as alice:
        for _ in range(5):
            await alice.send_json({"action": "nudge"})
        for text in ("a", "b", "c"):
            await alice.send_json({"action": "say", "payload": text})
        # a nested "action" cannot move a frame into the exempt bucket
        await alice.send_text('{"payload": {"action": "nudge"}, "action": "say"}')
        await alice.send_text('{"act\\u0069on": "say", "payload": "escaped"}')
        errors = await drain_errors(alice, 3)
        assert all(e["payload"][0]["type"] == "rate_limited" for e in errors)
        assert Room.handled == ["alice:nudge"] * 5 + ["alice:say:a", "alice:say:b"]


def test_extract_action_is_cheap_when_unambiguous_and_exact_otherwise() -> None:
    assert extract_action('{"action": "say", "payload": 1}') == "say"
    assert extract_action('{"payload": {"action": "x"}, "action": "say"}') == "say"
    assert extract_action('{"payload": "\\"action\\": \\"x\\"", "action": "say"}') == "say"
    assert extract_action('{"act\\u0069on": "say"}') == "say"
    assert extract_action('{"kind": "say"}', "kind") == "say"
    assert extract_action("not json") is None
    assert extract_action("[1, 2]") is None
    assert extract_action('{"action": 5}') is None


async def test_user_bucket_is_shared_by_the_users_connections(
    base: type[ChanxConsumer[Any]], store: MixinStore, connect: Connect
) -> None:
    Room = limited(
        base,
        store,
        rate_limit=None,
        user_rate_limit=BucketSpec(capacity=3, refill_rate=0.01),
        send_completion=True,
    )
    tab1, tab2, bob = connect(Room, "alice"), connect(Room, "alice"), connect(Room, "bob")
    async with tab1, tab2, bob:
        replies = []
        for ws in (tab1, tab2, tab1, tab2):
            await ws.send_json({"action": "say", "payload": "x"})
            replies.append((await ws.receive_json())["action"])
        assert replies == ["complete", "complete", "complete", "error"]
        await bob.send_json({"action": "say", "payload": "y"})
        assert (await bob.receive_json())["action"] == "complete"
    assert sorted(Room.handled) == ["alice:say:x"] * 3 + ["bob:say:y"]


@pytest.mark.redis
async def test_user_bucket_is_shared_across_processes_through_redis(
    base: type[ChanxConsumer[Any]], redis_pair: tuple[MixinStore, MixinStore], connect: Connect
) -> None:
    first, second = redis_pair  # own clients, same prefix: two processes' view of Redis
    spec = BucketSpec(capacity=4, refill_rate=0.01)
    config = {"rate_limit": None, "user_rate_limit": spec, "mixin_namespace": "shared"}
    A = limited(base, first, send_completion=True, **config)
    B = limited(base, second, send_completion=True, **config)
    async with connect(A, "alice") as on_a, connect(B, "alice") as on_b:
        for _ in range(3):
            await on_a.send_json({"action": "say"})
            await on_b.send_json({"action": "say"})
        replies = [(await ws.receive_json())["action"] for ws in (on_a, on_b) for _ in range(3)]
    assert sorted(replies) == ["complete"] * 4 + ["error"] * 2
    assert len(A.handled) + len(B.handled) == 4


async def test_connection_that_keeps_flooding_is_closed(
    base: type[ChanxConsumer[Any]],
    clock: ManualClock,
    connect: Connect,
    caplog: pytest.LogCaptureFixture,
) -> None:
    Room = limited(
        base,
        MemoryStore(clock),
        rate_limit=BucketSpec(capacity=2, refill_rate=1),
        rate_limit_close_after=5,
        rate_limit_close_window=10.0,
    )
    async with connect(Room, "flooder") as flooder, connect(Room, "calm") as calm:
        with caplog.at_level(logging.DEBUG, logger="chanx.mixins.rate_limit"):
            for _ in range(50):
                await flooder.send_json({"action": "say"})
            await flooder.receive_all_json(timeout=5)  # the error frames, up to the close
            assert await flooder.assert_closed() == RATE_LIMIT_CLOSE_CODE == 4429
        # both the rejections (DEBUG) and the close (WARNING) are logged, naming the consumer
        levels = [(r.levelname, r.getMessage()) for r in caplog.records]
        assert [m for lvl, m in levels if lvl == "DEBUG" and "rejected a frame" in m]
        closes = [m for lvl, m in levels if lvl == "WARNING" and "closed a connection" in m]
        assert len(closes) == 1
        assert "Limited" in closes[0]
        assert "code 4429" in closes[0]
        assert len(Room.handled) == 2
        await calm.send_json({"action": "say"})
        assert await calm.receive_nothing()
        assert len(Room.handled) == 3


def closing_after_3_in_5s(base: type[ChanxConsumer[Any]], clock: ManualClock) -> type[Any]:
    """One token, (almost) no refill: every later frame is a rejection; 3 in 5 s close."""
    return limited(
        base,
        MemoryStore(clock),
        rate_limit=BucketSpec(capacity=1, refill_rate=0.01),
        rate_limit_close_after=3,
        rate_limit_close_window=5.0,
    )


async def test_sparse_rejections_do_not_close(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Room = closing_after_3_in_5s(base, clock)
    async with connect(Room, "alice") as alice:
        await alice.send_json({"action": "say"})
        for _ in range(6):  # one rejection every 3 s: never 3 within 5 s
            await alice.send_json({"action": "say"})
            assert (await alice.receive_json())["action"] == "error"
            await clock.advance(3)
        assert await alice.receive_nothing()


@pytest.mark.parametrize(("span", "closes"), [(5.0, True), (5.5, False)])
async def test_the_close_window_includes_its_end(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect, span: float,
    closes: bool,
) -> None:  # fmt: skip
    Room = closing_after_3_in_5s(base, clock)
    async with connect(Room, "alice") as alice:
        await alice.send_json({"action": "say"})  # the one token
        for step in range(3):  # three rejections, the last ``span`` s after the first
            if step:
                await clock.advance(span / 2)
            await alice.send_json({"action": "say"})
            assert (await alice.receive_json())["action"] == "error"
        if closes:
            assert await alice.assert_closed() == RATE_LIMIT_CLOSE_CODE
        else:
            assert await alice.receive_nothing()


class BrokenStore(MemoryStore):
    """A store whose token buckets are unreachable (Redis down)."""

    async def take_token(self, key: str, spec: BucketSpec, cost: float = 1.0) -> float:
        raise ConnectionError("store unavailable")


@pytest.mark.parametrize("fail_open", [True, False])
async def test_store_outage_never_drops_the_connection(
    base: type[ChanxConsumer[Any]], connect: Connect, fail_open: bool
) -> None:
    Room = limited(
        base,
        BrokenStore(),
        rate_limit=None,
        user_rate_limit=BucketSpec(capacity=5, refill_rate=1),
        rate_limit_fail_open=fail_open,
        send_completion=True,
    )
    async with connect(Room, "alice") as alice:
        await alice.send_json({"action": "say", "payload": "x"})
        reply = await alice.receive_json()
        assert reply["action"] == ("complete" if fail_open else "error")
        assert len(Room.handled) == (1 if fail_open else 0)


async def test_oversized_frames_use_the_default_bucket_without_being_parsed(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    Room = limited(
        base,
        MemoryStore(clock),
        rate_limit=BucketSpec(capacity=1, refill_rate=0.001),
        rate_limit_actions={"nudge": None},
        max_message_size=64,
    )
    async with connect(Room, "alice") as alice:
        big = '{"action": "nudge", "payload": "' + "x" * 100 + '"}'
        await alice.send_text(big)  # charged to the default bucket, refused for its size
        assert (await alice.receive_json())["payload"][0]["type"] == "message_too_large"
        await alice.send_text(big)
        assert (await alice.receive_json())["payload"][0]["type"] == "rate_limited"
        await alice.send_json({"action": "nudge"})  # small: its own (unlimited) bucket
        assert await alice.receive_nothing()
        assert Room.handled == ["alice:nudge"]


async def test_rate_limit_errors_echo_the_same_refs_as_replies(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    """One ref rule for every frame: a 200-digit integer ref comes back on the limit error too."""
    Room = limited(base, MemoryStore(clock), rate_limit=BucketSpec(capacity=1, refill_rate=0.001))
    huge = int("9" * 200)
    async with connect(Room, "u") as ws:
        await ws.send_text(f'{{"action": "say", "payload": "a", "ref": {huge}}}')
        await ws.send_text(f'{{"action": "say", "payload": "b", "ref": {huge}}}')
        (error,) = await drain_errors(ws, 1)
        assert error["ref"] == huge
        assert error["payload"][0]["type"] == "rate_limited"
        too_long = "x" * 129
        await ws.send_text(f'{{"action": "say", "ref": "{too_long}"}}')  # no echo
        (error,) = await drain_errors(ws, 1)
        assert "ref" not in error


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"rate_limit": 5}, r"Bad\.rate_limit must be a BucketSpec"),
        ({"rate_limit_actions": {"say": 3}}, r"Bad\.rate_limit_actions must be a mapping"),
        ({"mixin_store": "redis://"}, r"Bad\.mixin_store must be a MixinStore"),
        ({"rate_limit_close_after": 0}, r"Bad\.rate_limit_close_after must be a positive int"),
        ({"rate_limit_close_code": 1000}, r"Bad\.rate_limit_close_code must be an application"),
    ],
)
def test_wrongly_typed_settings_are_refused_at_class_creation(
    base: type[ChanxConsumer[Any]], attrs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        type("Bad", (RateLimitMixin, base), dict(attrs))


async def test_topic_frames_are_rate_limited_per_action(
    base: type[ChanxConsumer[Any]], clock: ManualClock, connect: Connect
) -> None:
    """Topic frames pass the same buckets; ``subscribe`` may get one of its own."""
    from chanx.core.topic import Topic

    class FeedTopic(Topic[Any]):
        pattern = "feed:{name}"

        @ws_handler
        async def nudge(self, message: Nudge) -> None:
            Room.handled.append(f"{self.topic}:nudge")

    Limited = limited(
        base,
        MemoryStore(clock),
        rate_limit=BucketSpec(capacity=3, refill_rate=1),
        rate_limit_actions={"subscribe": BucketSpec(capacity=2, refill_rate=1)},
    )

    class Room(Limited):  # type: ignore[misc, valid-type]
        topics = [FeedTopic]

    async with connect(Room, "churner") as ws:
        for i in range(3):
            await ws.send_json({"topic": f"feed:{i}", "action": "subscribe"})
        frames = [await ws.receive_json() for _ in range(3)]
        assert [f["action"] for f in frames] == ["subscribed", "subscribed", "error"]
        assert frames[2]["payload"][0]["type"] == "rate_limited"
        for _ in range(4):
            await ws.send_json({"topic": "feed:0", "action": "nudge"})
        limited_frame = await ws.receive_json()
        assert limited_frame["payload"][0]["type"] == "rate_limited"
        assert Room.handled == ["feed:0:nudge"] * 3
