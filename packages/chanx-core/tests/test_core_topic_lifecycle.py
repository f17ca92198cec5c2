"""A connection that ends without a disconnect message still runs its topics' hooks, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from core_consumers import LayerConsumer, fresh_layer

from chanx.core import InMemoryChannelLayer
from chanx.core.topic import Topic


class JobTopic(Topic[Any]):
    pattern = "job:{job_id}"
    seen: ClassVar[list[str]] = []
    unsubscribed: ClassVar[asyncio.Event | None] = None

    async def on_subscribe(self) -> None:
        self.seen.append(f"sub:{self.topic}")

    async def on_unsubscribe(self) -> None:
        await asyncio.sleep(0)  # a hook that awaits, as real ones do (stores, layers)
        self.seen.append(f"unsub:{self.topic}")
        if self.unsubscribed is not None and len(self.seen) == 4:
            self.unsubscribed.set()


class Jobs(LayerConsumer):
    topics = [JobTopic]


class Driver:
    """An ASGI server stand-in: queues in, frames out, the app in its own task."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def receive(self) -> dict[str, Any]:
        message = await self.inbox.get()
        if message["type"] == "crash":
            raise ConnectionResetError("the transport failed")
        return message

    async def send(self, message: dict[str, Any]) -> None:
        await self.outbox.put(message)

    async def start(self) -> asyncio.Task[None]:
        scope = {"type": "websocket", "path": "/jobs", "headers": [], "query_string": b""}
        app = Jobs.as_asgi()

        async def serve() -> None:
            await app(scope, self.receive, self.send)

        task = asyncio.create_task(serve())
        await self.inbox.put({"type": "websocket.connect"})
        async with asyncio.timeout(5):
            assert (await self.outbox.get())["type"] == "websocket.accept"
        for job in ("1", "2"):
            frame = {"topic": f"job:{job}", "action": "subscribe"}
            await self.inbox.put({"type": "websocket.receive", "text": json.dumps(frame)})
            async with asyncio.timeout(5):
                reply = json.loads((await self.outbox.get())["text"])
            assert reply["action"] == "subscribed"
        return task


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    JobTopic.seen.clear()
    JobTopic.unsubscribed = None
    yield fresh_layer()
    LayerConsumer.layer = None


async def test_cancelled_connection_runs_each_on_unsubscribe_once(
    layer: InMemoryChannelLayer,
) -> None:
    driver = Driver()
    task = await driver.start()
    assert layer.group_members("JobTopic.job-1")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(JobTopic.seen) == ["sub:job:1", "sub:job:2", "unsub:job:1", "unsub:job:2"]
    assert not layer.group_members("JobTopic.job-1")
    assert not layer.group_members("JobTopic.job-2")


async def test_a_second_cancel_does_not_cut_the_hooks_short() -> None:
    JobTopic.unsubscribed = asyncio.Event()
    driver = Driver()
    task = await driver.start()
    task.cancel()
    await asyncio.sleep(0)  # the first cancellation is delivered; the hooks are running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(5):
        await JobTopic.unsubscribed.wait()
    assert JobTopic.seen.count("unsub:job:1") == 1
    assert JobTopic.seen.count("unsub:job:2") == 1


async def test_transport_failure_runs_each_on_unsubscribe_once() -> None:
    driver = Driver()
    task = await driver.start()
    await driver.inbox.put({"type": "crash"})
    with pytest.raises(ConnectionResetError):
        await task
    assert sorted(JobTopic.seen) == ["sub:job:1", "sub:job:2", "unsub:job:1", "unsub:job:2"]


async def test_a_normal_disconnect_runs_the_hooks_once_not_twice() -> None:
    driver = Driver()
    task = await driver.start()
    await driver.inbox.put({"type": "websocket.disconnect", "code": 1001})
    async with asyncio.timeout(5):
        await task
    assert sorted(JobTopic.seen) == ["sub:job:1", "sub:job:2", "unsub:job:1", "unsub:job:2"]
