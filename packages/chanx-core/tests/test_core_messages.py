"""chanx.messages: discriminator checks and the standard frames."""

from __future__ import annotations

from typing import Literal

import pytest

from chanx.messages import (
    AuthenticationMessage,
    AuthenticationPayload,
    BaseChannelEvent,
    BaseMessage,
    CompleteMessage,
    ErrorDetail,
    ErrorMessage,
    PingMessage,
    PongMessage,
)
from chanx.messages.base import discriminator_values


def test_message_without_literal_action_is_refused() -> None:
    with pytest.raises(TypeError, match=r"NoAction must annotate its discriminator field 'action'"):

        class NoAction(BaseMessage):
            payload: int


def test_message_with_plain_str_action_is_refused() -> None:
    with pytest.raises(TypeError, match="Literal"):

        class StrAction(BaseMessage):
            action: str = "x"


def test_abstract_intermediate_base_is_allowed_and_children_checked() -> None:
    class Shared(BaseMessage):
        __abstract__ = True
        payload: int = 0

    class Concrete(Shared):
        action: Literal["concrete"] = "concrete"

    assert Concrete().payload == 0
    with pytest.raises(TypeError):

        class Forgot(Shared):
            pass


def test_event_base_is_discriminated_by_handler() -> None:
    class Joined(BaseChannelEvent):
        handler: Literal["joined"] = "joined"
        payload: str

    assert discriminator_values(Joined, "handler") == ("joined",)
    with pytest.raises(TypeError, match="'handler'"):

        class Broken(BaseChannelEvent):
            action: Literal["x"] = "x"


def test_standard_frames_wire_format() -> None:
    assert PingMessage().model_dump_json() == '{"action":"ping","payload":null}'
    assert PongMessage().model_dump_json() == '{"action":"pong","payload":null}'
    assert CompleteMessage().action == "complete"
    error = ErrorMessage(payload=[ErrorDetail(type="x", msg="bad", retry_after=1.5)])  # type: ignore[call-arg]
    assert error.model_dump()["payload"] == [
        {"type": "x", "loc": [], "msg": "bad", "retry_after": 1.5}
    ]
    auth = AuthenticationMessage(
        payload=AuthenticationPayload(status_code=401, status_text="Unauthorized")
    )
    assert auth.model_dump()["payload"]["status_code"] == 401


def test_discriminator_values_of_multi_literal() -> None:
    class Multi(BaseMessage):
        action: Literal["a", "b"] = "a"

    assert discriminator_values(Multi, "action") == ("a", "b")
    assert discriminator_values(Multi, "missing") == ()
