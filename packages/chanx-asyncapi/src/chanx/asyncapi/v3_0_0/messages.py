"""Message objects: the frames that travel on a channel."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel
from chanx.asyncapi.v3_0_0.info import ExternalDocs, Tag

__all__ = ["CorrelationId", "Message", "MessageExample"]


class CorrelationId(SpecModel):
    """Where a message carries the id that ties a reply to its request."""

    location: str
    description: str | None = None


class MessageExample(SpecModel):
    """One example of a message; it needs a payload or headers."""

    payload: Any = None
    headers: dict[str, Any] | None = None
    name: str | None = None
    summary: str | None = None

    @model_validator(mode="after")
    def _has_content(self) -> Self:
        if "payload" not in self.model_fields_set and self.headers is None:
            raise ValueError("a message example needs a payload or headers")
        return self


class Message(SpecModel):
    """A message: its payload schema (usually a ``$ref`` into ``components/schemas``) and docs."""

    payload: dict[str, Any] | None = None
    headers: dict[str, Any] | None = None
    correlation_id: CorrelationId | Reference | None = Field(
        default=None, validation_alias="correlationId", serialization_alias="correlationId"
    )
    content_type: str | None = Field(
        default=None, validation_alias="contentType", serialization_alias="contentType"
    )
    name: str | None = None
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    tags: list[Tag] | None = None
    external_docs: ExternalDocs | Reference | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )
    bindings: dict[str, Any] | Reference | None = None
    examples: list[MessageExample] | None = None
    traits: list[dict[str, Any]] | None = None
