"""The outage buffer: sends made while the layer is down are kept in order and retried once.

The layer is chanx's real in-memory layer with an outage switch: while ``down`` every call
raises what redis-py raises when it cannot connect (or, for the ambiguous case, what it raises
when the connection dies while waiting for a reply). The real-Redis, real-server version is
``tests/reliability/test_outage_buffer.py``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Literal

import pytest
from core_consumers import LayerConsumer
from redis import exceptions as redis_errors

from chanx.core import InMemoryChannelLayer, OutageBufferFull, configure_outage_buffer
from chanx.core.outage_buffer import is_outage_error, outage_buffer, send_buffered
from chanx.core.telemetry import ObserverBase
from chanx.messages.base import BaseMessage


class DownableLayer(InMemoryChannelLayer):
    """Sends fail while ``down``: ``error`` says whether the command could have been applied."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.error: BaseException = ConnectionRefusedError(111, "Connection refused")
        #: what the buffer's probe (``group_discard``) raises while down; None: it answers
        self.probe_error: BaseException | None = self.error
        self.attempts = 0

    def _check(self) -> None:
        if self.down:
            raise self.error

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        self.attempts += 1
        self._check()
        await super().send(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.attempts += 1
        self._check()
        await super().group_send(group, message)

    async def group_discard(self, group: str, channel: str) -> None:
        if self.down and self.probe_error is not None:
            raise self.probe_error
        await super().group_discard(group, channel)


class Recorder(ObserverBase):
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.dropped: list[tuple[str, str]] = []

    def layer_send_failed(self, consumer_class: Any, operation: str, error: BaseException) -> None:
        self.failed.append(operation)

    def layer_send_dropped(self, consumer_class: Any, operation: str, reason: str) -> None:
        self.dropped.append((operation, reason))


async def until(condition: Any, what: str, timeout: float = 5) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def joined(layer: DownableLayer, group: str = "room") -> str:
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


def queued(layer: DownableLayer, channel: str) -> list[Any]:
    return [m["n"] for m in layer._channels[channel].messages]


async def test_sends_during_an_outage_arrive_once_in_order_after_it() -> None:
    layer = DownableLayer()
    buffer = configure_outage_buffer(layer, max_age=5, settle=0.05)
    a, b = await joined(layer), await joined(layer)
    obs = Recorder()
    await send_buffered(layer, "group_send", "room", {"type": "x", "n": 0}, LayerConsumer, obs)
    layer.down = True
    for n in range(1, 21):  # every call returns: the message waits in the buffer
        await send_buffered(layer, "group_send", "room", {"type": "x", "n": n}, LayerConsumer, obs)
    await send_buffered(layer, "send", a, {"type": "x", "n": 21}, LayerConsumer, obs)
    assert len(buffer) == 21
    assert layer.attempts == 2  # one failed attempt; the rest queued behind it without trying
    assert obs.failed == ["group_send"]
    layer.down = False
    await until(lambda: len(buffer) == 0, "the buffer to drain")
    assert queued(layer, a) == list(range(22))
    assert queued(layer, b) == list(range(21))
    assert obs.dropped == []
    # after the outage, sends go straight to the layer again
    await send_buffered(layer, "group_send", "room", {"type": "x", "n": 22})
    assert queued(layer, b)[-1] == 22


async def test_past_max_age_messages_are_dropped_loudly(caplog: pytest.LogCaptureFixture) -> None:
    layer = DownableLayer()
    buffer = configure_outage_buffer(layer, max_age=0.2, settle=0)
    channel = await joined(layer)
    obs = Recorder()
    layer.down = True
    for n in range(3):
        await send_buffered(layer, "group_send", "room", {"type": "x", "n": n}, LayerConsumer, obs)
    # the drain thread empties the queue, then reports: wait for both
    await until(lambda: len(buffer) == 0 and len(obs.dropped) == 3, "the messages to expire")
    assert obs.dropped == [("group_send", "expired")] * 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("3 message(s), reason expired" in r.getMessage() for r in errors)
    layer.down = False
    await send_buffered(layer, "group_send", "room", {"type": "x", "n": 9})
    assert queued(layer, channel) == [9]  # expired ones are never sent late


async def test_a_full_buffer_refuses_the_send_and_reports_it() -> None:
    layer = DownableLayer()
    configure_outage_buffer(layer, max_age=5, max_items=2)
    obs = Recorder()
    layer.down = True
    for n in range(2):
        await send_buffered(layer, "group_send", "room", {"n": n}, LayerConsumer, obs)
    with pytest.raises(OutageBufferFull, match="max_items"):
        await send_buffered(layer, "group_send", "room", {"n": 2}, LayerConsumer, obs)
    assert obs.dropped == [("group_send", "full")]
    layer.down = False
    await until(lambda: len(outage_buffer(layer)) == 0, "the buffer to drain")


async def test_a_failure_after_the_command_was_sent_is_not_retried_while_redis_answers() -> None:
    # The connection died while waiting for the reply but Redis answers a new connection: it
    # may have applied the command, so a retry could deliver it twice. Raised and reported.
    layer = DownableLayer()
    configure_outage_buffer(layer, max_age=5, settle=0)
    channel = await joined(layer)
    obs = Recorder()
    layer.down = True
    layer.error = ConnectionError("Connection closed by server.")
    layer.probe_error = None
    with pytest.raises(ConnectionError):
        await send_buffered(layer, "group_send", "room", {"n": 1}, LayerConsumer, obs)
    assert obs.dropped == [("group_send", "unconfirmed")]
    assert len(outage_buffer(layer)) == 0
    layer.down = False
    await send_buffered(layer, "group_send", "room", {"n": 2})
    assert queued(layer, channel) == [2]


async def test_a_dead_connection_to_a_dead_server_is_retried() -> None:
    # A pooled connection to a killed Redis fails the same way, but then Redis refuses new
    # connections: the command died with the server (or never reached it), so it is retried.
    layer = DownableLayer()
    buffer = configure_outage_buffer(layer, max_age=5, settle=0.05)
    channel = await joined(layer)
    layer.down = True
    layer.error = ConnectionError("Connection closed by server.")
    layer.probe_error = ConnectionRefusedError(111, "Connection refused")
    await send_buffered(layer, "group_send", "room", {"n": 1})
    await send_buffered(layer, "group_send", "room", {"n": 2})
    assert len(buffer) == 2
    layer.down = False
    await until(lambda: len(buffer) == 0, "the buffer to drain")
    assert queued(layer, channel) == [1, 2]


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        redis_errors.MaxConnectionsError("Too many connections"),  # the pool, not Redis
    ],
    ids=["refused", "redis-py-connect", "pool-exhausted"],
)
async def test_a_command_that_never_reached_redis_is_retried_even_if_redis_answers_now(
    error: BaseException,
) -> None:
    # these failures prove the command was never written, so no probe is needed: even with
    # Redis answering again at once (a restart in between) it is retried, never "unconfirmed"
    layer = DownableLayer()
    layer.probe_error = None
    await buffered_then_delivered_once(layer, error)


async def buffered_then_delivered_once(layer: DownableLayer, error: BaseException) -> None:
    """A group send failing with ``error`` while ``layer`` is down waits, then arrives once."""
    buffer = configure_outage_buffer(layer, max_age=5, settle=0.05)
    channel = await joined(layer)
    obs = Recorder()
    layer.down = True
    layer.error = error
    await send_buffered(layer, "group_send", "room", {"n": 1}, LayerConsumer, obs)
    assert len(buffer) == 1
    layer.down = False
    await until(lambda: len(buffer) == 0, "the buffer to drain")
    assert queued(layer, channel) == [1]
    assert obs.dropped == []


async def test_errors_that_are_not_outages_are_raised_as_before() -> None:
    layer = DownableLayer()
    layer.down = True
    layer.error = ValueError("bad channel name")
    with pytest.raises(ValueError, match="bad channel name"):
        await send_buffered(layer, "send", "x", {"n": 1})
    assert len(outage_buffer(layer)) == 0
    assert not is_outage_error(ValueError())
    assert is_outage_error(TimeoutError())
    # redis-py's own errors do not derive from the built-in ones
    assert is_outage_error(redis_errors.TimeoutError("Timeout reading from socket"))
    assert is_outage_error(redis_errors.ConnectionError("Connection closed by server."))
    assert not is_outage_error(redis_errors.ResponseError("WRONGTYPE"))


class DownablePubSubLayer(DownableLayer):
    """A pub/sub layer keeps groups in process: removing from a group never reaches Redis."""

    async def group_discard(self, group: str, channel: str) -> None:
        await InMemoryChannelLayer.group_discard(self, group, channel)


async def test_a_pubsub_layer_is_probed_with_a_send_that_needs_redis() -> None:
    # the connection died while waiting for the reply and Redis is down: retried, because
    # the probe publishes (on a pub/sub layer a group call would answer without Redis)
    await buffered_then_delivered_once(
        DownablePubSubLayer(), ConnectionError("Connection closed by server.")
    )


async def test_max_age_zero_turns_buffering_off() -> None:
    layer = DownableLayer()
    configure_outage_buffer(layer, max_age=0)
    layer.down = True
    with pytest.raises(ConnectionRefusedError):
        await send_buffered(layer, "group_send", "room", {"n": 1})


def test_bad_bounds_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="max_items=0"):
        configure_outage_buffer(DownableLayer(), max_items=0)


class Notice(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: int = 0


async def test_sync_senders_in_a_thread_are_buffered_too() -> None:
    # broadcast_event_sync from a plain thread runs on a loop that is gone when it returns;
    # the buffer retries from its own thread.
    layer = DownableLayer()
    buffer = configure_outage_buffer(layer, max_age=5, settle=0.05)
    channel = await joined(layer, "sync-room")
    layer.down = True

    class Publisher(LayerConsumer):
        pass

    Publisher.layer = layer
    done = threading.Event()

    def publish() -> None:
        for n in range(5):
            Publisher.broadcast_event_sync(Notice(payload=n), "sync-room")
        done.set()

    thread = threading.Thread(target=publish)
    thread.start()
    await until(done.is_set, "the sync sends to return")
    thread.join(5)
    assert len(buffer) == 5
    layer.down = False
    await until(lambda: len(buffer) == 0, "the buffer to drain")
    events = [m["event"] for m in layer._channels[channel].messages]
    assert events == [Notice(payload=n).model_dump_json() for n in range(5)]
