"""chanx 2.x's documented core names: importable where documented, doing what is documented."""

from __future__ import annotations

import abc
import asyncio
import logging
from typing import Literal

import pytest

from chanx.core.config import ConsumerConfig, config
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.core.websocket import ChanxWebsocketConsumerMixin, ReceiveEvent
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.utils.asyncio import create_task
from chanx.utils.logging import logger


class Pinged(ChanxWebsocketConsumerMixin[ReceiveEvent]):
    channel_layer_alias = None

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


def test_the_mixin_is_the_core_consumer() -> None:
    assert ChanxWebsocketConsumerMixin is ChanxConsumer
    assert issubclass(Pinged, ChanxConsumer)


async def test_config_sets_process_wide_defaults() -> None:
    assert config.send_completion is False
    config.send_completion = True
    try:
        assert Pinged.send_completion is True
        async with WebsocketHarness(Pinged) as ws:
            await ws.send_json({"action": "ping"})
            assert [f["action"] for f in await ws.receive_all_json(stop_action="complete")] == [
                "pong",
                "complete",
            ]
    finally:
        config.send_completion = False
    assert ConsumerConfig.send_completion is False
    with pytest.raises(AttributeError, match="no setting 'send_complet'"):
        config.send_complet = True
    with pytest.raises(AttributeError):
        _ = config.nope


def test_abc_bases_mark_a_message_base() -> None:
    class Shared(BaseMessage, abc.ABC):  # not routed itself: no Literal needed
        payload: int = 0

    class Concrete(Shared):
        action: Literal["concrete"] = "concrete"

    assert Concrete().payload == 0
    with pytest.raises(TypeError, match="must annotate its discriminator field 'action'"):

        class Broken(Shared):
            pass


async def test_create_task_keeps_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise RuntimeError("background failure")

    tasks: set[asyncio.Task[object]] = set()
    task = create_task(fail(), tasks, name="worker")
    assert task in tasks
    with pytest.raises(RuntimeError):
        await task
    await asyncio.sleep(0)
    assert tasks == set()
    assert any("task worker failed" in r.getMessage() for r in caplog.records)


def test_the_chanx_logger_is_the_parent_of_every_chanx_logger() -> None:
    assert logger is logging.getLogger("chanx")
    assert logging.getLogger("chanx.consumer").parent is logger
