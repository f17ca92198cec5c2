"""The ``components`` object: reusable schemas, messages and security schemes."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel, check_keys
from chanx.asyncapi.v3_0_0.channels import Channel, Parameter
from chanx.asyncapi.v3_0_0.info import ExternalDocs, Tag
from chanx.asyncapi.v3_0_0.messages import CorrelationId, Message
from chanx.asyncapi.v3_0_0.operations import Operation, OperationReply, OperationReplyAddress
from chanx.asyncapi.v3_0_0.security import SecurityScheme
from chanx.asyncapi.v3_0_0.servers import Server, ServerVariable

__all__ = ["Components"]


class Components(SpecModel):
    """Objects referenced from elsewhere with ``#/components/<kind>/<key>``.

    Schemas are kept as plain dicts: they are JSON Schema (the AsyncAPI Schema superset of
    Draft 07) produced by Pydantic, not something chanx re-models.
    """

    schemas: dict[str, dict[str, Any]] | None = None
    servers: dict[str, Server | Reference] | None = None
    channels: dict[str, Channel | Reference] | None = None
    operations: dict[str, Operation | Reference] | None = None
    messages: dict[str, Message | Reference] | None = None
    security_schemes: dict[str, SecurityScheme | Reference] | None = Field(
        default=None, validation_alias="securitySchemes", serialization_alias="securitySchemes"
    )
    server_variables: dict[str, ServerVariable | Reference] | None = Field(
        default=None, validation_alias="serverVariables", serialization_alias="serverVariables"
    )
    parameters: dict[str, Parameter | Reference] | None = None
    correlation_ids: dict[str, CorrelationId | Reference] | None = Field(
        default=None, validation_alias="correlationIds", serialization_alias="correlationIds"
    )
    replies: dict[str, OperationReply | Reference] | None = None
    reply_addresses: dict[str, OperationReplyAddress | Reference] | None = Field(
        default=None, validation_alias="replyAddresses", serialization_alias="replyAddresses"
    )
    external_docs: dict[str, ExternalDocs | Reference] | None = Field(
        default=None, validation_alias="externalDocs", serialization_alias="externalDocs"
    )
    tags: dict[str, Tag | Reference] | None = None
    operation_traits: dict[str, Any] | None = Field(
        default=None, validation_alias="operationTraits", serialization_alias="operationTraits"
    )
    message_traits: dict[str, Any] | None = Field(
        default=None, validation_alias="messageTraits", serialization_alias="messageTraits"
    )
    server_bindings: dict[str, Any] | None = Field(
        default=None, validation_alias="serverBindings", serialization_alias="serverBindings"
    )
    channel_bindings: dict[str, Any] | None = Field(
        default=None, validation_alias="channelBindings", serialization_alias="channelBindings"
    )
    operation_bindings: dict[str, Any] | None = Field(
        default=None, validation_alias="operationBindings", serialization_alias="operationBindings"
    )
    message_bindings: dict[str, Any] | None = Field(
        default=None, validation_alias="messageBindings", serialization_alias="messageBindings"
    )

    @model_validator(mode="after")
    def _keys(self) -> Self:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, dict):
                check_keys(
                    value, f"components.{type(self).model_fields[name].serialization_alias or name}"
                )
        return self
