"""Error locations name fields, never the client's own dict keys (found by the fuzz suite)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from chanx.core import ChanxConsumer, ws_handler
from chanx.core.errors import schema_names
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage


class Tagged(BaseModel):
    label: str = Field(alias="theLabel")
    scores: dict[str, int] = {}


class TagMessage(BaseMessage):
    action: Literal["tag"] = "tag"
    payload: list[Tagged]


class TagConsumer(ChanxConsumer):
    channel_layer_alias = None

    @ws_handler
    async def handle_tag(self, message: TagMessage) -> None:
        return None


def test_schema_names_cover_nested_fields_aliases_and_literals() -> None:
    names = schema_names((TagMessage,))
    assert {"action", "payload", "tag", "label", "theLabel", "scores"} <= names


async def test_client_dict_keys_never_appear_in_error_locations() -> None:
    async with WebsocketHarness(TagConsumer) as ws:
        await ws.send_json(
            {"action": "tag", "payload": [{"theLabel": "x", "scores": {"MY-SECRET-KEY": "nan"}}]}
        )
        frame = await ws.receive_json()
        assert frame["action"] == "error"
        (entry,) = frame["payload"]
        assert entry["loc"] == ["tag", "payload", 0, "scores", "*"]
        assert "MY-SECRET-KEY" not in str(frame)
