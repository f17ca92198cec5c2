"""Operation objects: what the application does on a channel (``send`` or ``receive``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel
from chanx.asyncapi.v3_0_0.info import ExternalDocs, Tag
from chanx.asyncapi.v3_0_0.security import SecurityScheme

__all__ = ["Operation", "OperationReply", "OperationReplyAddress"]


class OperationReplyAddress(SpecModel):
    """Where a reply's address is found at run time."""

    location: str
    description: str | None = None


class OperationReply(SpecModel):
    """The answer to a ``receive`` operation: on which channel and with which messages."""

    address: OperationReplyAddress | Reference | None = None
    channel: Reference | None = None
    messages: list[Reference] | None = None


class Operation(SpecModel):
    """``receive``: the server receives it from clients; ``send``: the server sends it to them.

    AsyncAPI describes the application (the server), so a frame a client sends is a
    ``receive`` operation.
    """

    action: Literal["send", "receive"]
    channel: Reference
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    security: list[SecurityScheme | Reference] | None = None
    tags: list[Tag] | None = None
    external_docs: ExternalDocs | Reference | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )
    bindings: dict[str, Any] | Reference | None = None
    traits: list[dict[str, Any]] | None = None
    messages: list[Reference] | None = None
    reply: OperationReply | Reference | None = None
