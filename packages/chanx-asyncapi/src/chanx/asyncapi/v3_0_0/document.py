"""The root AsyncAPI 3.0.0 document."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel, check_keys
from chanx.asyncapi.v3_0_0.channels import Channel
from chanx.asyncapi.v3_0_0.components import Components
from chanx.asyncapi.v3_0_0.info import Info
from chanx.asyncapi.v3_0_0.operations import Operation
from chanx.asyncapi.v3_0_0.servers import Server

__all__ = ["AsyncAPI"]


class AsyncAPI(SpecModel):
    """An AsyncAPI 3.0.0 document, as chanx generates and validates it."""

    asyncapi: Literal["3.0.0"]
    id: str | None = None
    info: Info
    servers: dict[str, Server | Reference] | None = None
    default_content_type: str | None = Field(
        default=None,
        validation_alias="defaultContentType",
        serialization_alias="defaultContentType",
    )
    channels: dict[str, Channel | Reference] | None = None
    operations: dict[str, Operation | Reference] | None = None
    components: Components | None = None

    @model_validator(mode="after")
    def _keys(self) -> Self:
        check_keys(self.servers, "server")
        check_keys(self.channels, "channel")
        check_keys(self.operations, "operation")
        return self
