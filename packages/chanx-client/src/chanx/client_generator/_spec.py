"""Read an AsyncAPI 3.0 document into what the emitters need: channels, operations, messages.

Works on the plain JSON object (chanx's documents and upstream chanx's alike): ``$ref``s are
JSON pointers into the document and are followed here, never by the emitters.
"""

from __future__ import annotations

import functools
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class SchemaError(ValueError):
    """The document is not an AsyncAPI 3 document the generator can read; says what is wrong."""


@dataclass
class Message:
    """One message class: its schema name (the class name) and discriminator value."""

    key: str
    name: str
    schema: dict[str, Any]
    tag: str | None = None


@dataclass
class Operation:
    """An operation of a channel; ``receive`` = the server receives (a client action)."""

    key: str
    action: str
    messages: list[Message]
    replies: list[Message]
    summary: str = ""
    description: str = ""


@dataclass
class Channel:
    """A channel: its address, operations, and the message sets of both directions."""

    key: str
    address: str
    description: str
    parameters: list[str]
    operations: list[Operation] = field(default_factory=list)
    topic: dict[str, Any] | None = None

    @property
    def incoming(self) -> list[Message]:
        """Messages the server sends: of ``send`` operations and replies of ``receive`` ones."""
        found: dict[str, Message] = {}
        for op in self.operations:
            for msg in op.messages if op.action == "send" else op.replies:
                found.setdefault(msg.name, msg)
        return list(found.values())

    @property
    def outgoing(self) -> list[Message]:
        """Messages the client sends: those of ``receive`` operations."""
        found: dict[str, Message] = {}
        for op in self.operations:
            if op.action == "receive":
                for msg in op.messages:
                    found.setdefault(msg.name, msg)
        return list(found.values())


@dataclass
class Api:
    """The whole document as the emitters see it."""

    title: str
    version: str
    description: str
    channels: list[Channel]
    schemas: dict[str, dict[str, Any]]
    discriminator: str = "action"
    #: Schemas by class name, and the class names each one refers to (computed once).
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, set[str]] = field(default_factory=dict)


def snake(name: str) -> str:
    """``CamelConsumer`` / ``chat-room`` -> ``camel_consumer`` / ``chat_room``."""
    text = _CAMEL_BOUNDARY.sub("_", name)
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower() or "channel"


def package_name(channel: Channel) -> str:
    """The channel's folder name (a valid, non-keyword Python identifier)."""
    name = snake(channel.key)
    if name[0].isdigit() or keyword.iskeyword(name) or name in {"base", "shared"}:
        name = f"channel_{name}"
    return name


def pascal(name: str) -> str:
    """``chat_room`` / ``chatRoom`` -> ``ChatRoom`` (a leading digit gets ``M``, as in classes)."""
    text = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", snake(name)) if p)
    return f"M{text}" if text[:1].isdigit() else text


@functools.cache
def class_name(schema_key: str) -> str:
    """A schema key as a class name (``a.b`` -> ``A_b``; a leading digit gets ``M``)."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", schema_key)
    if not name or name[0].isdigit():
        name = f"M{name}"
    return name[0].upper() + name[1:]


class _Doc:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def resolve(self, node: Any, *, depth: int = 0) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = self.pointer(node["$ref"])
            depth += 1
            if depth > 32:
                raise SchemaError("$ref chain longer than 32 (a cycle?)")
        return node

    def pointer(self, ref: Any) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise SchemaError(f"only local $refs are supported, got {ref!r}")
        node: Any = self.data
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise SchemaError(f"$ref {ref!r} points nowhere")
            node = node[part]
        return node


def read_api(data: dict[str, Any]) -> Api:
    """Parse an AsyncAPI 3 document (a JSON object) for the emitters."""
    version = str(data.get("asyncapi", ""))
    if not version.startswith("3."):
        raise SchemaError(f"expected an AsyncAPI 3.x document, got asyncapi={version!r}")
    doc = _Doc(data)
    components = data.get("components") or {}
    schemas: dict[str, dict[str, Any]] = dict(components.get("schemas") or {})
    info = data.get("info") or {}
    channels: dict[str, Channel] = {}
    for key, raw in (data.get("channels") or {}).items():
        channel = doc.resolve(raw)
        channels[key] = Channel(
            key=key,
            address=str(channel.get("address") or ""),
            description=str(channel.get("description") or ""),
            parameters=list((channel.get("parameters") or {}).keys()),
            topic=channel.get("x-topic"),
        )
    messages: dict[int, Message] = {}
    for op_key, raw in (data.get("operations") or {}).items():
        op = doc.resolve(raw)
        channel_node = op.get("channel") or {}
        channel_key = str(channel_node.get("$ref", "")).removeprefix("#/channels/")
        if channel_key not in channels:
            raise SchemaError(f"operation {op_key!r} refers to unknown channel {channel_key!r}")
        reply = doc.resolve(op.get("reply") or {})
        channels[channel_key].operations.append(
            Operation(
                key=op_key,
                action=str(op.get("action")),
                messages=[_message(doc, m, schemas, messages) for m in op.get("messages") or []],
                replies=[_message(doc, m, schemas, messages) for m in reply.get("messages") or []],
                summary=str(op.get("summary") or ""),
                description=str(op.get("description") or ""),
            )
        )
    api = Api(
        title=str(info.get("title") or "chanx client"),
        version=str(info.get("version") or "0.0.0"),
        description=str(info.get("description") or ""),
        channels=list(channels.values()),
        schemas=schemas,
    )
    api.discriminator = _discriminator(api)
    from chanx.client_generator._pytypes import refs_of  # the reference walk lives with types

    api.models = {class_name(k): v for k, v in api.schemas.items()}
    api.refs = {name: refs_of(schema) for name, schema in api.models.items()}
    for channel in api.channels:
        for op in channel.operations:
            for msg in [*op.messages, *op.replies]:
                msg.tag = _const(doc, msg.schema, api.discriminator)
        if channel.topic is not None:  # the runtime's handles subscribe and unsubscribe
            channel.operations = [op for op in channel.operations if not _protocol(op)]
    api.channels = _with_hosts(api.channels)
    return api


_PROTOCOL = frozenset({"subscribe", "unsubscribe"})


def _protocol(op: Operation) -> bool:
    return (
        op.action == "receive" and bool(op.messages) and {m.tag for m in op.messages} <= _PROTOCOL
    )


def _with_hosts(channels: list[Channel]) -> list[Channel]:
    """Add a connection channel for an address that only carries topics.

    A host consumer without handlers of its own has no channel in the document, but a client
    still needs a connection to open its topics on: it is named after the topic channel's
    key minus the ``_<topic name>`` suffix (``hub_room_topic`` -> ``hub``).
    """
    plain = {c.address for c in channels if c.topic is None}
    out: list[Channel] = []
    added: set[str] = set()
    keys = {c.key for c in channels}
    for channel in channels:
        address = channel.address
        if channel.topic is not None and address not in plain and address not in added:
            added.add(address)
            suffix = "_" + str(channel.topic.get("name") or "")
            key = channel.key.removesuffix(suffix) if channel.key.endswith(suffix) else ""
            if not key or key in keys:
                key = f"{channel.key}_connection"
            keys.add(key)
            out.append(Channel(key=key, address=address, description="Carries the topics of "
                               f"``{address}``.", parameters=list(channel.parameters)))  # fmt: skip
        out.append(channel)
    return out


def _message(
    doc: _Doc, node: Any, schemas: dict[str, dict[str, Any]], seen: dict[int, Message]
) -> Message:
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    message = doc.resolve(node)
    if not isinstance(message, dict):
        raise SchemaError(f"message {ref!r} is not an object")
    cached = seen.get(id(message))
    if cached is not None:
        return cached
    key = str(ref).rsplit("/", 1)[-1] or str(message.get("name") or "message")
    payload = _message_part(doc, message.get("payload") or {})
    payload_ref = payload.get("$ref") if isinstance(payload, dict) else None
    if isinstance(payload_ref, str) and payload_ref.startswith("#/components/schemas/"):
        schema_key = payload_ref.removeprefix("#/components/schemas/")
    else:  # an inline payload becomes a schema of its own, named after the message
        base = schema_key = pascal(str(message.get("name") or key))
        n = 1
        while schemas.get(schema_key, payload) != payload:  # the name is another schema's
            n += 1
            schema_key = f"{base}{n}"
        schemas.setdefault(schema_key, payload)
    found = Message(key=key, name=class_name(schema_key), schema=doc.resolve(payload))
    seen[id(message)] = found
    return found


#: Envelope fields the runtimes handle themselves (``ref``, ``version``, topic fields).
_ENVELOPE_FIELDS = frozenset({"ref", "version", "topic", "seq", "epoch"})


def _message_part(doc: _Doc, payload: Any) -> Any:
    """The message's own schema out of ``allOf: [message, envelope fields]``.

    Documents may compose a payload with the correlation envelope (``CorrelationRef``); the
    client's models are the message part, the runtime adds the envelope.
    """
    parts = payload.get("allOf") if isinstance(payload, dict) else None
    if not isinstance(parts, list):
        return payload
    own = []
    for part in parts:
        resolved = doc.resolve(part)
        props = set((resolved.get("properties") or {}) if isinstance(resolved, dict) else {})
        if not props or not props <= _ENVELOPE_FIELDS:
            own.append(part)
    return own[0] if len(own) == 1 else payload


def _const(doc: _Doc, schema: dict[str, Any], field_name: str) -> str | None:
    prop = doc.resolve((schema.get("properties") or {}).get(field_name))
    if isinstance(prop, dict):
        value = prop.get(
            "const", (prop.get("enum") or [None])[0] if len(prop.get("enum") or []) == 1 else None
        )
        if isinstance(value, str):
            return value
    return None


def _discriminator(api: Api) -> str:
    """``action`` unless the messages share another constant string property and not it."""
    names: set[str] | None = None
    for channel in api.channels:
        for op in channel.operations:
            for msg in [*op.messages, *op.replies]:
                props = {
                    k
                    for k, v in (msg.schema.get("properties") or {}).items()
                    if isinstance(v, dict) and isinstance(v.get("const"), str)
                }
                names = props if names is None else names & props
    if not names or "action" in names:
        return "action"
    return sorted(names)[0]
