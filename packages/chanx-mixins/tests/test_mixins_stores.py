"""One contract, two backends: the memory and the Redis store behave the same."""

from __future__ import annotations

import asyncio

import pytest

from chanx.mixins.clock import ManualClock
from chanx.mixins.stores import BucketSpec, MixinStore


async def test_first_connection_joins_the_user_and_later_ones_do_not(store: MixinStore) -> None:
    first = await store.presence_join("r", "c1", "alice", '{"tab":1}', ttl=30)
    second = await store.presence_join("r", "c2", "alice", '{"tab":2}', ttl=30)
    bob = await store.presence_join("r", "c3", "bob", "{}", ttl=30)
    assert (first.joined, second.joined, bob.joined) == (True, False, True)
    records = await store.presence_list("r")
    assert [(r.conn, r.user, r.data) for r in records] == [
        ("c1", "alice", '{"tab":1}'),
        ("c2", "alice", '{"tab":2}'),
        ("c3", "bob", "{}"),
    ]
    assert await store.presence_list("other-room") == []


async def test_user_leaves_with_the_last_connection(store: MixinStore) -> None:
    await store.presence_join("r", "c1", "alice", "{}", ttl=30)
    await store.presence_join("r", "c2", "alice", "{}", ttl=30)
    assert (await store.presence_leave("r", "c1", grace=0)).left == ()
    assert (await store.presence_leave("r", "c2", grace=0)).left == ("alice",)
    assert await store.presence_list("r") == []
    assert (await store.presence_leave("r", "c2", grace=0)).left == ()  # idempotent


async def test_rejoining_the_same_connection_is_not_a_second_join(store: MixinStore) -> None:
    assert (await store.presence_join("r", "c1", "alice", "{}", ttl=30)).joined
    assert not (await store.presence_join("r", "c1", "alice", '{"x":1}', ttl=30)).joined
    assert [r.data for r in await store.presence_list("r")] == ['{"x":1}']


async def test_grace_keeps_the_user_present_until_it_runs_out(
    store: MixinStore, clock: ManualClock
) -> None:
    await store.presence_join("r", "c1", "alice", "{}", ttl=30)
    assert (await store.presence_leave("r", "c1", grace=5)).left == ()
    await clock.advance(4)
    assert [r.user for r in await store.presence_list("r")] == ["alice"]
    # a reconnect inside the grace period is not a join
    assert not (await store.presence_join("r", "c2", "alice", "{}", ttl=30)).joined
    await clock.advance(2)
    assert (await store.presence_sweep("r")).left == ()  # c1 gone, c2 keeps alice present
    assert [r.conn for r in await store.presence_list("r")] == ["c2"]


async def test_grace_expiry_reports_the_leave_once(store: MixinStore, clock: ManualClock) -> None:
    await store.presence_join("r", "c1", "alice", "{}", ttl=30)
    await store.presence_leave("r", "c1", grace=5)
    await clock.advance(5)
    assert await store.presence_list("r") == []
    sweeps = await asyncio.gather(*(store.presence_sweep("r") for _ in range(5)))
    assert [s.left for s in sweeps].count(("alice",)) == 1


async def test_entries_without_heartbeat_expire_after_the_ttl(
    store: MixinStore, clock: ManualClock
) -> None:
    await store.presence_join("r", "dead", "bob", "{}", ttl=10)
    await store.presence_join("r", "live", "alice", "{}", ttl=10)
    for _ in range(3):
        await clock.advance(6)
        beat = await store.presence_heartbeat("r", "live", ttl=10)
        assert beat.alive
        if beat.left:
            assert beat.left == ("bob",)
            break
    else:
        pytest.fail("bob never expired")
    assert [r.user for r in await store.presence_list("r")] == ["alice"]


async def test_heartbeat_of_a_swept_connection_is_not_alive(
    store: MixinStore, clock: ManualClock
) -> None:
    await store.presence_join("r", "c1", "alice", "{}", ttl=10)
    await clock.advance(11)
    beat = await store.presence_heartbeat("r", "c1", ttl=10)
    assert (beat.alive, beat.left) == (False, ("alice",))
    assert (await store.presence_join("r", "c1", "alice", "{}", ttl=10)).joined


async def test_expired_user_rejoining_is_a_leave_then_a_join(
    store: MixinStore, clock: ManualClock
) -> None:
    await store.presence_join("r", "c1", "alice", "{}", ttl=10)
    await clock.advance(10)
    change = await store.presence_join("r", "c2", "alice", "{}", ttl=10)
    assert (change.joined, change.left) == (True, ("alice",))


async def test_typists_change_only_on_real_changes(store: MixinStore, clock: ManualClock) -> None:
    assert await store.typing_start("r", "bob", ttl=5) == (await store.typing_sweep("r")).__class__(
        changed=True, typists=("bob",)
    )
    again = await store.typing_start("r", "bob", ttl=5)
    assert (again.changed, again.typists) == (False, ("bob",))
    alice = await store.typing_start("r", "alice", ttl=5)
    assert (alice.changed, alice.typists) == (True, ("alice", "bob"))
    stop = await store.typing_stop("r", "alice")
    assert (stop.changed, stop.typists) == (True, ("bob",))
    assert not (await store.typing_stop("r", "alice")).changed


async def test_typists_expire_after_silence(store: MixinStore, clock: ManualClock) -> None:
    await store.typing_start("r", "bob", ttl=5)
    await clock.advance(3)
    await store.typing_start("r", "bob", ttl=5)  # refreshed
    await clock.advance(3)
    assert (await store.typing_sweep("r")).typists == ("bob",)
    await clock.advance(2)
    swept = await store.typing_sweep("r")
    assert (swept.changed, swept.typists) == (True, ())
    assert not (await store.typing_sweep("r")).changed


async def test_token_bucket_allows_capacity_then_refills(
    store: MixinStore, clock: ManualClock
) -> None:
    spec = BucketSpec(capacity=3, refill_rate=2.0)
    assert [await store.take_token("k", spec) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await store.take_token("k", spec) == pytest.approx(0.5)
    await clock.advance(0.5)
    assert await store.take_token("k", spec) == 0.0
    assert await store.take_token("other", spec) == 0.0  # buckets are independent
    await clock.advance(100)
    assert [await store.take_token("k", spec) for _ in range(4)][-1] > 0  # capped at capacity


async def test_concurrent_takers_never_overspend(store: MixinStore) -> None:
    spec = BucketSpec(capacity=10, refill_rate=0.001)
    results = await asyncio.gather(*(store.take_token("shared", spec) for _ in range(50)))
    assert sum(1 for r in results if r == 0.0) == 10


def test_bucket_spec_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="capacity > 0"):
        BucketSpec(capacity=0, refill_rate=1)


def test_redis_store_is_importable_lazily_from_both_packages() -> None:
    import chanx.mixins
    import chanx.mixins.stores
    from chanx.mixins.stores.redis import RedisStore

    assert chanx.mixins.RedisStore is RedisStore
    assert chanx.mixins.stores.RedisStore is RedisStore
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = chanx.mixins.Nope
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = chanx.mixins.stores.Nope
