"""Contract: chanx 2.x's override hooks run at their documented points on every binding."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ValidationError

from chanx.core.decorators import event_handler, ws_handler
from chanx.messages.base import BaseMessage


class Say(BaseMessage):
    action: Literal["say"] = "say"
    payload: str


class Said(BaseMessage):
    action: Literal["said"] = "said"
    payload: str


class Fail(BaseMessage):
    action: Literal["fail"] = "fail"
    payload: None = None


class Tick(BaseMessage):
    action: Literal["tick"] = "tick"
    payload: int


def hooked(binding: ModuleType) -> type[Any]:
    class Hooked(binding.Consumer):  # type: ignore[misc, name-defined]
        groups = ["hooked"]
        send_completion = True
        seen: ClassVar[list[Any]] = []

        @ws_handler
        async def handle_say(self, message: Say) -> Said:
            return Said(payload=message.payload)

        @ws_handler
        async def handle_fail(self, message: Fail) -> None:
            raise RuntimeError("failed on purpose")

        @event_handler
        async def on_tick(self, event: Tick) -> Said:
            if event.payload < 0:
                raise ValueError("negative tick")
            return Said(payload=f"tick {event.payload}")

        async def receive_message(self, message: BaseModel) -> None:
            self.seen.append(("message", type(message).__name__))
            await super().receive_message(message)

        async def handle_message_handler_error(
            self, error: Exception, action: str, message: BaseModel
        ) -> None:
            self.seen.append(("handler_error", action, str(error)))
            await super().handle_message_handler_error(error, action, message)

        async def handle_validation_error(self, error: ValidationError) -> None:
            self.seen.append(("validation", error.errors()[0]["type"]))
            await super().handle_validation_error(error)

        async def receive_event(self, event: BaseModel) -> None:
            self.seen.append(("event", type(event).__name__))
            await super().receive_event(event)

        async def handle_event_handler_error(
            self, error: Exception, action: str, event: BaseModel
        ) -> None:
            self.seen.append(("event_error", action, str(error)))

    return Hooked


COMPLETE = {"action": "complete", "payload": None}
EVENT_COMPLETE = {"action": "event_complete", "payload": None}


async def test_message_hooks_run_and_the_wire_stays_documented(
    binding: ModuleType, open_ws: Any
) -> None:
    Hooked = hooked(binding)
    ws = await open_ws([("/ws/hooked", Hooked)], "/ws/hooked")
    await ws.send_json({"action": "say", "payload": "hi", "ref": "a"})
    assert await ws.receive_json() == {"action": "said", "payload": "hi", "version": 1, "ref": "a"}
    assert await ws.receive_json() == {**COMPLETE, "version": 1, "ref": "a"}
    await ws.send_json({"action": "fail"})
    assert await ws.receive_json() == {
        "action": "error",
        "payload": {"detail": "Failed to process message for fail"},
    }
    assert await ws.receive_json() == COMPLETE
    await ws.send_json({"action": "say"})
    error = await ws.receive_json()
    assert error["action"] == "error"
    assert error["payload"][0]["type"] == "missing"
    assert await ws.receive_json() == COMPLETE
    assert Hooked.seen == [
        ("message", "Say"),
        ("message", "Fail"),
        ("handler_error", "fail", "failed on purpose"),
        ("validation", "missing"),
    ]


async def test_event_hooks_run_and_errors_are_not_sent(binding: ModuleType, open_ws: Any) -> None:
    Hooked = hooked(binding)
    ws = await open_ws([("/ws/hooked", Hooked)], "/ws/hooked")
    await Hooked.broadcast_event(Tick(payload=1))
    assert await ws.receive_json() == {"action": "said", "payload": "tick 1"}
    assert await ws.receive_json() == EVENT_COMPLETE
    await Hooked.broadcast_event(Tick(payload=-1))
    assert await ws.receive_json() == EVENT_COMPLETE
    assert await ws.receive_nothing()
    assert Hooked.seen == [
        ("event", "Tick"),
        ("event", "Tick"),
        ("event_error", "tick", "negative tick"),
    ]
