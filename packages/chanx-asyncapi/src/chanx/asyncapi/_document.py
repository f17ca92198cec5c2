"""Pieces of the document the generator assembles: servers, channels, messages, references."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from chanx.asyncapi._build import ChannelPlan, MessageKey
from chanx.asyncapi._examples import example_for
from chanx.asyncapi._schemas import SCHEMA_PREFIX, SchemaSet
from chanx.asyncapi.constants import LOCAL_HOSTS
from chanx.asyncapi.v3_0_0 import (
    Channel,
    Message,
    MessageExample,
    Parameter,
    Reference,
    Server,
    Tag,
    TopicObject,
)
from chanx.core.envelope import ENVELOPE_VERSION, MAX_REF_LENGTH

__all__ = ["REF_SCHEMA", "channel", "message", "ref", "server_entry", "servers_block"]

#: The ``ref`` a client may add to a frame and the server echoes (with ``version``) on its answers.
REF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {
            "description": "Envelope version; the server sends it with every echoed `ref`.",
            "const": ENVELOPE_VERSION,
        },
        "ref": {
            "description": "The client's correlation id: echoed on every answer to its frame.",
            "anyOf": [{"type": "string", "maxLength": MAX_REF_LENGTH}, {"type": "integer"}],
        },
    },
}


def ref(*parts: str) -> Reference:
    """A ``$ref`` to ``#/<parts...>`` (JSON pointer escaped).

    Built from keys the generator produced, so validation is skipped: thousands of
    references make up most of a large document.
    """
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return Reference.model_construct(ref="#/" + "/".join(escaped))


def server_entry(server_url: str, server_protocol: str) -> tuple[str, Server]:
    """The named server of ``server_url`` (a host, or a URL whose scheme is the protocol)."""
    if "://" in server_url:
        parts = urlsplit(server_url)
        if not parts.netloc:
            raise ValueError(
                f"a server URL needs a host, e.g. ws://localhost:8000; got {server_url!r}"
            )
        host, protocol, path = parts.netloc, parts.scheme, parts.path.rstrip("/")
    else:
        host, protocol, path = server_url, server_protocol, ""
    local = not host or any(name in host for name in LOCAL_HOSTS)
    server = Server(host=host or "localhost", protocol=protocol, pathname=path or None)
    return ("development" if local else "production"), server


def servers_block(
    servers: Mapping[str, Server | Mapping[str, Any]] | None,
    server_url: str | None,
    server_protocol: str,
) -> dict[str, Server | Reference] | None:
    """``servers`` validated as Server Objects, else the one entry of ``server_url``."""
    if servers:
        return {
            str(name): value if isinstance(value, Server) else Server.model_validate(value)
            for name, value in servers.items()
        }
    if server_url is None:
        return None
    name, server = server_entry(server_url, server_protocol)
    return {name: server}


def _param_description(name: str, kind: str) -> str:
    label = kind if kind.isidentifier() else f"regex: {kind}"
    return f"Path parameter {name!r} ({label})."


def channel(plan: ChannelPlan, names: dict[MessageKey, str]) -> Channel:
    """The channel of one planned consumer; messages point into ``components``."""
    route = plan.route
    address = route.channel_path
    types = route.path_params or {}
    params = {
        p: Parameter(description=_param_description(p, types.get(p, "str")))
        for p in types
        if "{" + p + "}" in address
    }
    keys = [k for op in plan.operations for k in (*op.messages, *(op.replies or ()))]
    messages: dict[str, Message | Reference] = {
        names[k]: ref("components", "messages", names[k]) for k in keys
    }
    return Channel(
        address=address,
        title=plan.title,
        description=plan.description,
        tags=[Tag(name=t) for t in plan.tags] or None,
        parameters=dict(params) or None,
        messages=messages,
        topic=TopicObject.model_validate(plan.topic) if plan.topic is not None else None,
    )


def message(
    name: str,
    action: str | None,
    tp: Any,
    schemas: SchemaSet,
    ref_schema: str | None,
    memo: dict[Any, Any],
    *,
    correlated: bool | None = None,
    component: str | None = None,
) -> Message:
    """The component message of one payload type (schema ``name``).

    With ``ref_schema`` (an envelope schema) the payload is the model combined with that
    schema; the message gets the ``ref`` correlation id when ``correlated`` (default: when
    there is an envelope). ``component`` is the message's own key when it is not ``name``.
    """
    if correlated is None:
        correlated = ref_schema is not None
    doc = inspect.getdoc(tp) if isinstance(tp, type) and tp.__doc__ else None
    summary = doc.split("\n\n", 1)[0].replace("\n", " ") if doc else None
    model = {"$ref": SCHEMA_PREFIX + name}
    example = example_for(model, schemas.schemas, memo=memo)
    payload = (
        model if ref_schema is None else {"allOf": [model, {"$ref": SCHEMA_PREFIX + ref_schema}]}
    )
    return Message(
        name=action or component or name,
        title=getattr(tp, "__name__", name),
        summary=summary,
        payload=payload,
        examples=[MessageExample(name=f"{action or name}_example", payload=example)],
        correlation_id=ref("components", "correlationIds", "ref") if correlated else None,
    )
