"""chanx 2.x's override hooks: each runs at its documented point, the defaults keep the wire.

A class that overrides none of them keeps the hook-free path; that choice is made once per
class, so the tests also check which path a class got.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer
from pydantic import BaseModel, ValidationError

from chanx.constants import COMPLETE_ACTIONS
from chanx.core import InMemoryChannelLayer, event_handler, ws_handler
from chanx.core.events import Events
from chanx.core.receiving import Receiving
from chanx.core.testing import WebsocketHarness
from chanx.messages import PingMessage, PongMessage
from chanx.messages.base import BaseMessage


class Echo(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: str


class Echoed(BaseMessage):
    action: Literal["echoed"] = "echoed"
    payload: str


class Undeclared(BaseMessage):
    action: Literal["undeclared"] = "undeclared"
    payload: None = None


class Boom(BaseMessage):
    action: Literal["boom"] = "boom"
    payload: str = "SECRET-INPUT"


class Notice(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: str


class Noticed(BaseMessage):
    action: Literal["noticed"] = "noticed"
    payload: str


class Base(LayerConsumer):
    groups = ["hooks"]
    send_completion = True
    seen: ClassVar[list[Any]] = []

    @ws_handler
    async def handle_echo(self, message: Echo) -> Echoed:
        return Echoed(payload=message.payload)

    @ws_handler
    async def handle_boom(self, message: Boom) -> None:
        raise RuntimeError("handler exploded with " + message.payload)

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @event_handler
    async def on_notice(self, event: Notice) -> Noticed:
        if event.payload == "explode":
            raise ValueError("event handler exploded")
        return Noticed(payload=event.payload)


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    Base.seen = []
    yield fresh_layer()
    LayerConsumer.layer = None


COMPLETE = {"action": "complete", "payload": None}


def test_only_a_class_overriding_a_hook_takes_the_hook_path() -> None:
    class ReceivesMessage(Base):
        async def receive_message(self, message: BaseModel) -> None:
            await super().receive_message(message)

    class Inherits(ReceivesMessage):
        pass

    class ReceivesEvent(Base):
        async def receive_event(self, event: BaseModel) -> None:
            await super().receive_event(event)

    assert Base._chanx_run is Receiving._chanx_run
    assert Base._chanx_handle_event is Events._chanx_handle_event
    assert ReceivesMessage._chanx_run is Receiving._chanx_run_hooks
    assert Inherits._chanx_run is Receiving._chanx_run_hooks
    assert ReceivesEvent._chanx_run is Receiving._chanx_run
    assert ReceivesEvent._chanx_handle_event is Events._chanx_handle_event_hooks


async def test_receive_message_sees_each_validated_frame_and_super_answers_it() -> None:
    class Watching(Base):
        async def receive_message(self, message: BaseModel) -> None:
            self.seen.append(message)
            await super().receive_message(message)

    async with WebsocketHarness(Watching) as ws:
        await ws.send_json({"action": "echo", "payload": "hi", "ref": "r1"})
        assert await ws.receive_json() == {
            "action": "echoed",
            "payload": "hi",
            "version": 1,
            "ref": "r1",
        }
        assert await ws.receive_json() == {**COMPLETE, "version": 1, "ref": "r1"}
        # an invalid frame never reaches receive_message
        await ws.send_json({"action": "echo"})
        assert (await ws.receive_json())["action"] == "error"
        assert await ws.receive_json() == COMPLETE
    assert Watching.seen == [Echo(payload="hi")]


async def test_receive_message_may_answer_itself_without_the_handler() -> None:
    class Replacing(Base):
        async def receive_message(self, message: BaseModel) -> None:
            await self.send_message(Echoed(payload="instead"))

    async with WebsocketHarness(Replacing) as ws:
        await ws.send_json({"action": "echo", "payload": "hi"})
        assert await ws.receive_json() == {"action": "echoed", "payload": "instead"}
        assert await ws.receive_json() == COMPLETE


async def test_handle_result_gets_the_handler_result() -> None:
    class Wrapping(Base):
        async def handle_result(self, result: BaseModel) -> None:
            self.seen.append(result)
            await self.send_message(Echoed(payload=f"wrapped {result.payload}"))  # type: ignore[attr-defined]

    async with WebsocketHarness(Wrapping) as ws:
        await ws.send_json({"action": "echo", "payload": "x"})
        assert await ws.receive_json() == {"action": "echoed", "payload": "wrapped x"}
        assert await ws.receive_json() == COMPLETE
        await ws.send_json({"action": "boom"})  # a handler returning None: no result
        assert (await ws.receive_json())["action"] == "error"
        assert await ws.receive_json() == COMPLETE
    assert Wrapping.seen == [Echoed(payload="x")]


async def test_handle_message_handler_error_gets_error_action_and_message() -> None:
    class Reporting(Base):
        async def handle_message_handler_error(
            self, error: Exception, action: str, message: BaseModel
        ) -> None:
            self.seen.append((type(error), str(error), action, message))
            await self.send_message(Echoed(payload=f"sorry about {action}"))

    async with WebsocketHarness(Reporting) as ws:
        await ws.send_json({"action": "boom", "payload": "p", "ref": "b"})
        assert await ws.receive_json() == {
            "action": "echoed",
            "payload": "sorry about boom",
            "version": 1,
            "ref": "b",
        }
        assert await ws.receive_json() == {**COMPLETE, "version": 1, "ref": "b"}
    assert Reporting.seen == [(RuntimeError, "handler exploded with p", "boom", Boom(payload="p"))]


async def test_default_handler_error_hook_sends_the_detail_frame_without_input(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Calling(Base):
        async def receive_message(self, message: BaseModel) -> None:
            await super().receive_message(message)

    async with WebsocketHarness(Calling) as ws:
        with caplog.at_level(logging.ERROR, "chanx.consumer"):
            await ws.send_json({"action": "boom", "payload": "SECRET-INPUT"})
            frame = await ws.receive_json()
        assert frame == {
            "action": "error",
            "payload": {"detail": "Failed to process message for boom"},
        }
        assert await ws.receive_json() == COMPLETE
    assert "SECRET-INPUT" not in json.dumps(frame)
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


async def test_handle_validation_error_gets_the_validation_error_then_complete() -> None:
    class Validating(Base):
        async def handle_validation_error(self, error: ValidationError) -> None:
            self.seen.append(error.errors()[0]["type"])
            await self.send_message(Echoed(payload=f"{error.error_count()} problem(s)"))

    async with WebsocketHarness(Validating) as ws:
        await ws.send_json({"action": "echo", "ref": "v"})
        assert await ws.receive_json() == {
            "action": "echoed",
            "payload": "1 problem(s)",
            "version": 1,
            "ref": "v",
        }
        assert await ws.receive_json() == {**COMPLETE, "version": 1, "ref": "v"}
        # text that is not JSON never reached message validation: no hook, no completion
        await ws.send_text("{not json")
        assert (await ws.receive_json())["payload"][0]["type"] == "json_invalid"
        assert await ws.receive_nothing()
        # the plain path still runs for valid frames (no per-frame hook)
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    assert Validating.seen == ["missing"]


async def test_handle_json_processing_error_on_a_failure_outside_the_handler() -> None:
    class BadResult(Base):
        async def handle_result(self, result: BaseModel) -> None:
            raise KeyError("after the handler")

        async def handle_json_processing_error(self, error: Exception) -> None:
            self.seen.append(repr(error))
            await super().handle_json_processing_error(error)

    async with WebsocketHarness(BadResult) as ws:
        await ws.send_json({"action": "echo", "payload": "x"})
        assert await ws.receive_json() == {
            "action": "error",
            "payload": {"detail": "Failed to process message"},
        }
        assert await ws.receive_json() == COMPLETE
    assert BadResult.seen == ["KeyError('after the handler')"]


async def test_handle_json_processing_error_on_a_consumer_without_ws_handlers() -> None:
    class NoHandlers(LayerConsumer):
        seen: ClassVar[list[str]] = []

        async def handle_json_processing_error(self, error: Exception) -> None:
            self.seen.append(type(error).__name__)
            await super().handle_json_processing_error(error)

    async with WebsocketHarness(NoHandlers) as ws:
        await ws.send_json({"action": "anything", "ref": "n"})
        assert await ws.receive_json() == {
            "action": "error",
            "payload": {"detail": "Failed to process message"},
            "version": 1,
            "ref": "n",
        }
        assert await ws.receive_nothing()  # no completion without ws handlers
    assert NoHandlers.seen == ["_NoHandlers"]


async def test_receive_event_sees_each_event_and_super_runs_its_handler() -> None:
    class Watching(Base):
        async def receive_event(self, event: BaseModel) -> None:
            self.seen.append(event)
            if event.payload != "drop":  # type: ignore[attr-defined]
                await super().receive_event(event)

    async with WebsocketHarness(Watching) as ws:
        await ws.send_json({"action": "ping", "ref": "p"})  # a ref in flight is not reused
        await Watching.broadcast_event(Notice(payload="one"))
        frames = [await ws.receive_json() for _ in range(4)]
        assert {"action": "noticed", "payload": "one"} in frames
        assert {"action": "event_complete", "payload": None} in frames
        await Watching.broadcast_event(Notice(payload="drop"))  # overridden: nothing sent
        assert await ws.receive_nothing()
    assert Watching.seen == [Notice(payload="one"), Notice(payload="drop")]


async def test_handle_event_handler_error_gets_error_action_and_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Reporting(Base):
        async def handle_event_handler_error(
            self, error: Exception, action: str, event: BaseModel
        ) -> None:
            self.seen.append((str(error), action, event))
            await super().handle_event_handler_error(error, action, event)

    async with WebsocketHarness(Reporting) as ws:
        with caplog.at_level(logging.ERROR, "chanx.consumer"):
            await Reporting.broadcast_event(Notice(payload="explode"))
            # the default logs only: the client sees event_complete and no error frame
            assert await ws.receive_json() == {"action": "event_complete", "payload": None}
        assert await ws.receive_nothing()
    assert Reporting.seen == [("event handler exploded", "notice", Notice(payload="explode"))]
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)


async def test_send_message_validate_checks_the_declared_outputs() -> None:
    class Sender(Base):
        @ws_handler
        async def handle_undeclared(self, message: Undeclared) -> None:
            try:
                await self.send_message(Undeclared(), validate=True)
            except ValidationError:
                self.seen.append("refused")
            await self.send_message(Echoed(payload="declared"), validate=True)

    async with WebsocketHarness(Sender) as ws:
        await ws.send_json({"action": "undeclared"})
        assert await ws.receive_json() == {"action": "echoed", "payload": "declared"}
        assert await ws.receive_json() == COMPLETE
        assert await ws.receive_nothing()  # the refused message was never sent
    assert Sender.seen == ["refused"]


async def test_settings_views() -> None:
    class Quiet(Base):
        camelize = True
        log_ignored_actions = ("ping",)

    consumer = Quiet()
    assert consumer.should_send_completion is True
    assert consumer.should_camelize is True
    assert consumer.all_log_ignored_actions == {"ping", *COMPLETE_ACTIONS}
    plain = LayerConsumer()
    assert plain.should_send_completion is False
    assert plain.should_camelize is False
    assert plain.all_log_ignored_actions == set(COMPLETE_ACTIONS)


async def test_telemetry_reports_handler_failures_on_the_hook_path() -> None:
    from chanx.core.telemetry import ObserverBase, install, uninstall

    outcomes: list[tuple[str, str | None]] = []

    class Outcomes(ObserverBase):
        def frame_started(self, consumer: Any, action: str, ref: Any, topic: Any) -> Any:
            return action

        def frame_finished(self, token: Any, outcome: Any, error_code: str | None) -> None:
            outcomes.append((outcome, error_code))

    class Calling(Base):
        async def receive_message(self, message: BaseModel) -> None:
            await super().receive_message(message)

    install(Outcomes())
    try:
        async with WebsocketHarness(Calling) as ws:
            for action in ("echo", "boom"):
                await ws.send_json({"action": action, "payload": "x"})
                await ws.receive_json()
                assert await ws.receive_json() == COMPLETE
    finally:
        uninstall()
    assert outcomes == [("ok", None), ("error", "handler_error")]
