"""``emits``: messages sent outside handlers become one ``send`` operation, without ``ref``.

chanx-core's registry does not expose ``emits`` yet; ``chanx.asyncapi._build.emitted_types``
is the one place that reads it, so this test supplies the list through that function.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import asyncapi_kitchen as kitchen
import pytest
from asyncapi_tools import ParseFn

from chanx.asyncapi import _build, generate, validate_document
from chanx.core.registry import Registry
from chanx.messages.base import BaseMessage

pytestmark = pytest.mark.timeout(600)


class Welcome(BaseMessage):
    """Sent by post_authentication to every new connection."""

    action: Literal["welcome"] = "welcome"
    payload: str


def test_emitted_messages_are_a_send_operation_without_ref(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, asyncapi_parser: ParseFn
) -> None:
    def emits(registry: Registry) -> tuple[type[Any], ...]:
        return (Welcome,)

    assert _build.emitted_types(kitchen.PlainConsumer.get_registry()) == ()
    monkeypatch.setattr(_build, "emitted_types", emits)
    doc = generate([("/ws/plain", kitchen.PlainConsumer)]).to_dict()
    op = doc["operations"]["PlainConsumer.send.emits"]
    assert op["action"] == "send"
    assert op["summary"] == "Messages the server pushes"
    assert op["messages"] == [{"$ref": "#/channels/PlainConsumer/messages/Welcome"}]
    message = doc["components"]["messages"]["Welcome"]
    assert message["name"] == "welcome"
    assert "correlationId" not in message
    assert message["payload"] == {"$ref": "#/components/schemas/Welcome"}
    assert validate_document(doc) == []
    path = tmp_path / "emits.json"
    path.write_text(json.dumps(doc))
    (verdict,) = asyncapi_parser(path)
    assert verdict["errors"] == []
