"""camelCase on the wire through compiled twins; snake_case in handlers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from chanx.core import ChanxConsumer, ws_handler
from chanx.core.camel import camel_model, camel_type
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage


class Inner(BaseModel):
    user_name: str
    extra_info: int | None = None


class Outer(BaseModel):
    inner_obj: Inner
    items_list: list[Inner] = []
    by_key: dict[str, Inner] = {}
    maybe: Annotated[Inner | None, Field(description="optional")] = None


class ProfileUpdate(BaseMessage):
    action: Literal["profile_update"] = "profile_update"
    payload: Outer


class ProfileView(BaseMessage):
    action: Literal["profile_view"] = "profile_view"
    payload: Outer


class Camel(ChanxConsumer):
    camelize = True
    channel_layer_alias = None
    seen: list[ProfileUpdate] = []

    @ws_handler
    async def update(self, message: ProfileUpdate) -> ProfileView:
        assert isinstance(message, ProfileUpdate)
        self.seen.append(message)
        return ProfileView(payload=message.payload)


async def test_camel_frames_in_snake_models_out_camel_again() -> None:
    frame = {
        "action": "profile_update",
        "payload": {
            "innerObj": {"userName": "ann", "extraInfo": 1},
            "itemsList": [{"userName": "b"}],
            "byKey": {"k": {"userName": "c"}},
            "maybe": {"userName": "d"},
        },
    }
    async with WebsocketHarness(Camel) as ws:
        await ws.send_json(frame)
        reply = await ws.receive_json()
    assert Camel.seen[-1].payload.inner_obj.user_name == "ann"
    assert reply == {
        "action": "profile_view",
        "payload": {
            "innerObj": {"userName": "ann", "extraInfo": 1},
            "itemsList": [{"userName": "b", "extraInfo": None}],
            "byKey": {"k": {"userName": "c", "extraInfo": None}},
            "maybe": {"userName": "d", "extraInfo": None},
        },
    }


async def test_snake_case_names_are_still_accepted() -> None:
    async with WebsocketHarness(Camel) as ws:
        await ws.send_json(
            {"action": "profile_update", "payload": {"inner_obj": {"user_name": "x"}}}
        )
        assert (await ws.receive_json())["payload"]["innerObj"]["userName"] == "x"


def test_twins_are_memoised_and_leave_plain_types_alone() -> None:
    assert camel_model(Outer) is camel_model(Outer)
    assert issubclass(camel_model(Outer), Outer)
    assert camel_type(int) is int
    assert camel_type(list[int]) == list[int]
    assert camel_type(Literal["a"]) == Literal["a"]
    assert Outer.model_fields["inner_obj"].annotation is Inner  # originals untouched


def test_self_referencing_models_terminate() -> None:
    class Node(BaseModel):
        child_node: Node | None = None

    Node.model_rebuild()
    twin = camel_model(Node)
    parsed = twin.model_validate({"childNode": {"childNode": None}})
    assert isinstance(parsed, Node)
