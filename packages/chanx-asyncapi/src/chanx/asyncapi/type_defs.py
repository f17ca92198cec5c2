"""The AsyncAPI objects under their documented names (``AsyncAPIDocument``, ``InfoObject``...).

These are the typed models the generator writes and ``chanx-asyncapi validate`` reads
(:mod:`chanx.asyncapi.v3_0_0`), under the names chanx 2.x documented.
``AsyncAPIDocument.model_validate(data)`` checks a document; ``get_channel``,
``get_operation``, ``get_message``, ``get_server`` and ``get_schema`` look objects up by name,
following ``$ref`` pointers.
"""

from chanx.asyncapi.v3_0_0 import AsyncAPI as AsyncAPIDocument
from chanx.asyncapi.v3_0_0 import Channel as ChannelObject
from chanx.asyncapi.v3_0_0 import Components as ComponentsObject
from chanx.asyncapi.v3_0_0 import Info as InfoObject
from chanx.asyncapi.v3_0_0 import Message as MessageObject
from chanx.asyncapi.v3_0_0 import Operation as OperationObject
from chanx.asyncapi.v3_0_0 import Server as ServerObject
from chanx.asyncapi.v3_0_0 import TopicObject
from chanx.asyncapi.v3_0_0.schema import SchemaObject

__all__ = [
    "AsyncAPIDocument",
    "ChannelObject",
    "ComponentsObject",
    "InfoObject",
    "MessageObject",
    "OperationObject",
    "SchemaObject",
    "ServerObject",
    "TopicObject",
]
