"""Channel and parameter objects: where messages travel (one per routed consumer)."""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import Field, model_validator

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel, check_keys
from chanx.asyncapi.v3_0_0.info import ExternalDocs, Tag
from chanx.asyncapi.v3_0_0.messages import Message

__all__ = ["Channel", "Parameter", "TopicObject", "address_parameters"]

_PARAM = re.compile(r"\{([^{}]+)\}")


def address_parameters(address: str | None) -> list[str]:
    """Names of the ``{param}`` expressions of a channel address, in order, without repeats."""
    return list(dict.fromkeys(_PARAM.findall(address or "")))


class Parameter(SpecModel):
    """A parameter of a channel address (``{room}`` in ``/ws/chat/{room}``)."""

    enum: list[str] | None = None
    default: str | None = None
    description: str | None = None
    examples: list[str] | None = None
    location: str | None = None


class TopicObject(SpecModel):
    """The ``x-topic`` extension of a topic's channel: which topic strings it carries."""

    #: The topic class's snake_name (``discussion_topic``).
    name: str = ""
    #: ``"room:{room_id}"``: the topic strings a client may subscribe to.
    pattern: str
    #: The placeholder names of ``pattern``, in order.
    parameters: list[str] = Field(default_factory=list)


class Channel(SpecModel):
    """One channel: an address, the messages that travel on it and its docs."""

    address: str | None = None
    messages: dict[str, Message | Reference] | None = None
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    servers: list[Reference] | None = None
    parameters: dict[str, Parameter | Reference] | None = None
    tags: list[Tag] | None = None
    external_docs: ExternalDocs | Reference | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )
    bindings: dict[str, Any] | Reference | None = None
    #: Set on a topic's channel (the ``x-topic`` extension): frames there carry ``topic``.
    topic: TopicObject | None = Field(
        default=None, validation_alias="x-topic", serialization_alias="x-topic"
    )

    @model_validator(mode="after")
    def _keys(self) -> Self:
        check_keys(self.messages, "channel message")
        check_keys(self.parameters, "channel parameter")
        return self
