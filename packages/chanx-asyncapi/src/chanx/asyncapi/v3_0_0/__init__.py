"""Typed models of the AsyncAPI 3.0.0 objects chanx emits and validates.

The generator builds its output with these models and ``chanx-asyncapi validate`` parses files
with them, so what chanx writes and what it accepts are the same shapes. Field names follow
Python style; the spec names (``$ref``, ``externalDocs``...) are the aliases used on the wire.
"""

from chanx.asyncapi.v3_0_0._base import Reference, SpecModel
from chanx.asyncapi.v3_0_0.channels import Channel, Parameter, TopicObject, address_parameters
from chanx.asyncapi.v3_0_0.components import Components
from chanx.asyncapi.v3_0_0.document import AsyncAPI
from chanx.asyncapi.v3_0_0.info import Contact, ExternalDocs, Info, License, Tag
from chanx.asyncapi.v3_0_0.messages import CorrelationId, Message, MessageExample
from chanx.asyncapi.v3_0_0.operations import Operation, OperationReply, OperationReplyAddress
from chanx.asyncapi.v3_0_0.schema import SchemaObject
from chanx.asyncapi.v3_0_0.security import OAuthFlow, OAuthFlows, SecurityScheme
from chanx.asyncapi.v3_0_0.servers import Server, ServerVariable, server_from_url

__all__ = [
    "AsyncAPI",
    "Channel",
    "Components",
    "Contact",
    "CorrelationId",
    "ExternalDocs",
    "Info",
    "License",
    "Message",
    "MessageExample",
    "OAuthFlow",
    "OAuthFlows",
    "Operation",
    "OperationReply",
    "OperationReplyAddress",
    "Parameter",
    "Reference",
    "SchemaObject",
    "SecurityScheme",
    "Server",
    "ServerVariable",
    "SpecModel",
    "Tag",
    "TopicObject",
    "address_parameters",
    "server_from_url",
]
