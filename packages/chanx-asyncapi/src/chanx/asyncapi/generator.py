"""Generate an AsyncAPI 3.0.0 document from the consumers an application routes."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from chanx.asyncapi._build import ChannelPlan, MessageKey, plan_channel, unique
from chanx.asyncapi._examples import example_for
from chanx.asyncapi._schemas import SCHEMA_PREFIX, SchemaSet
from chanx.asyncapi.discovery import RoutedConsumer, discover
from chanx.asyncapi.v3_0_0 import (
    AsyncAPI,
    Channel,
    Components,
    CorrelationId,
    Info,
    Message,
    MessageExample,
    Operation,
    OperationReply,
    Parameter,
    Reference,
    SecurityScheme,
    Server,
    Tag,
    server_from_url,
)

__all__ = ["NoConsumersError", "generate", "security_schemes_of"]

#: Attribute an authenticator class sets to declare its credentials for ``securitySchemes``.
SECURITY_ATTR = "security_schemes"


class NoConsumersError(LookupError):
    """The application routes no chanx consumer, so there is nothing to document."""


def security_schemes_of(authenticator: type | None) -> dict[str, SecurityScheme]:
    """The schemes an authenticator class declares in ``security_schemes``.

    ``security_schemes`` maps a scheme name to a :class:`SecurityScheme` or its dict form,
    e.g. ``{"token": {"type": "httpApiKey", "name": "token", "in": "query"}}``. A malformed
    declaration raises ``ValueError`` naming the class and the scheme.
    """
    if authenticator is None:
        return {}
    declared = getattr(authenticator, SECURITY_ATTR, None)
    if declared is None:
        return {}
    where = f"{authenticator.__qualname__}.{SECURITY_ATTR}"
    if not isinstance(declared, Mapping):
        raise ValueError(f"{where} must map names to security schemes, got {declared!r}")
    schemes: dict[str, SecurityScheme] = {}
    for name, value in declared.items():
        try:
            schemes[str(name)] = (
                value if isinstance(value, SecurityScheme) else SecurityScheme.model_validate(value)
            )
        except ValidationError as exc:
            reason = exc.errors(include_url=False, include_input=False)[0]["msg"]
            raise ValueError(f"{where}[{name!r}] is not a security scheme: {reason}") from None
    return schemes


def _info(source: Any, info: Info | Mapping[str, Any] | None, **override: Any) -> Info:
    data: dict[str, Any] = {}
    for attr in ("title", "version", "description"):  # FastAPI apps carry these
        value = getattr(source, attr, None)
        if isinstance(value, str) and value:
            data[attr] = value
    data.setdefault("title", "chanx WebSocket API")
    data.setdefault("version", "0.1.0")
    if info is not None:
        data.update(info.to_dict() if isinstance(info, Info) else dict(info))
    data.update({k: v for k, v in override.items() if v is not None})
    return Info.model_validate(data)


def _servers(
    servers: Mapping[str, Server | Mapping[str, Any]] | None, server_url: str | None
) -> dict[str, Server | Reference] | None:
    out: dict[str, Server | Reference] = {}
    for name, server in (servers or {}).items():
        out[name] = server if isinstance(server, Server) else Server.model_validate(server)
    if server_url:
        out["default" if "default" not in out else "url"] = server_from_url(server_url)
    return out or None


def _ref(*parts: str) -> Reference:
    # Built from keys this module produced, so validation is skipped: thousands of
    # references make up most of a large document.
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return Reference.model_construct(ref="#/" + "/".join(escaped))


#: The client's correlation id, echoed by the server on every answer to a frame.
CORRELATION_ID = CorrelationId(
    location="$message.payload#/ref",
    description=(
        "Optional `ref` a client adds to a frame (a string of at most 128 characters or an "
        "integer); every frame the server sends in answer to it (reply, error, completion) "
        "carries the same `ref`."
    ),
)


def _message(
    name: str,
    action: str | None,
    tp: Any,
    schemas: SchemaSet,
    correlated: bool,
    memo: dict[Any, Any],
) -> Message:
    doc = inspect.getdoc(tp) if isinstance(tp, type) and tp.__doc__ else None
    summary = doc.split("\n\n", 1)[0].replace("\n", " ") if doc else None
    example = example_for({"$ref": SCHEMA_PREFIX + name}, schemas.schemas, memo=memo)
    return Message(
        name=action or name,
        title=getattr(tp, "__name__", name),
        summary=summary,
        payload={"$ref": SCHEMA_PREFIX + name},
        examples=[MessageExample(name=f"{action or name}_example", payload=example)],
        correlation_id=_ref("components", "correlationIds", "ref") if correlated else None,
    )


def _channel(plan: ChannelPlan, names: dict[MessageKey, str]) -> Channel:
    routed = plan.routed
    params = {
        p: Parameter(description=f"Path parameter {p!r} ({routed.param_types.get(p, 'str')}).")
        for p in dict.fromkeys(routed.param_types)
        if "{" + p + "}" in routed.address
    }
    keys = [k for op in plan.operations for k in (*op.messages, *(op.replies or ()))]
    messages: dict[str, Message | Reference] = {
        names[k]: _ref("components", "messages", names[k]) for k in keys
    }
    return Channel(
        address=routed.address,
        title=plan.title,
        description=plan.description,
        tags=[Tag(name=t) for t in plan.tags] or None,
        parameters=dict(params) or None,
        messages=messages,
    )


def generate(
    source: Any,
    *,
    title: str | None = None,
    version: str | None = None,
    description: str | None = None,
    info: Info | Mapping[str, Any] | None = None,
    servers: Mapping[str, Server | Mapping[str, Any]] | None = None,
    server_url: str | None = None,
    default_content_type: str = "application/json",
) -> AsyncAPI:
    """The AsyncAPI 3.0.0 document of every chanx consumer ``source`` routes.

    ``source`` is what :func:`~chanx.asyncapi.discovery.discover` accepts: a FastAPI/Starlette
    app, a Channels router, or a list of ``(address, consumer)`` pairs. ``title``/``version``
    default to the app's own (FastAPI) and override ``info``; ``server_url`` adds a server
    parsed from a URL. The same input always gives the same document.

    Raises :class:`NoConsumersError` when nothing is routed.
    """
    routed: list[RoutedConsumer] = discover(source)
    if not routed:
        raise NoConsumersError(f"no chanx consumer is routed by {source!r}")
    schemas = SchemaSet()
    taken: set[str] = set()
    plans = [plan_channel(r, schemas, taken) for r in routed]
    schemas.build()

    names: dict[MessageKey, str] = dict(schemas.refs)
    component_messages: dict[str, Message | Reference] = {}
    correlated = {names[k] for plan in plans for k in plan.correlated}
    examples: dict[Any, Any] = {}
    for plan in plans:
        for key, action in plan.actions.items():
            name = names[key]
            if name not in component_messages:
                component_messages[name] = _message(
                    name, action, key[0], schemas, name in correlated, examples
                )

    security: dict[str, SecurityScheme | Reference] = {}
    channels: dict[str, Channel | Reference] = {}
    operations: dict[str, Operation | Reference] = {}
    op_ids: set[str] = set()
    for plan in plans:
        auth = plan.routed.consumer.authenticator_class
        for scheme_name, scheme in security_schemes_of(auth).items():
            if security.setdefault(scheme_name, scheme) != scheme:
                raise ValueError(f"two authenticators declare different schemes {scheme_name!r}")
            plan.security.append(scheme_name)
        cid = plan.channel_id
        channels[cid] = _channel(plan, names)
        op_security = [_ref("components", "securitySchemes", s) for s in plan.security] or None
        for op in plan.operations:
            reply = None
            if op.replies:
                reply = OperationReply(
                    channel=_ref("channels", cid),
                    messages=[_ref("channels", cid, "messages", names[k]) for k in op.replies],
                )
            op_id = unique(f"{cid}.{op.action}.{op.name}", op_ids)
            operations[op_id] = Operation(
                action=op.action,
                channel=_ref("channels", cid),
                summary=op.summary,
                description=op.description,
                tags=[Tag(name=t) for t in op.tags] or None,
                security=op_security,  # type: ignore[arg-type]
                messages=[_ref("channels", cid, "messages", names[k]) for k in op.messages],
                reply=reply,
            )

    return AsyncAPI(
        asyncapi="3.0.0",
        info=_info(source, info, title=title, version=version, description=description),
        servers=_servers(servers, server_url),
        default_content_type=default_content_type,
        channels=channels,
        operations=operations,
        components=Components(
            schemas=schemas.schemas,
            messages=component_messages,
            security_schemes=security or None,
            correlation_ids={"ref": CORRELATION_ID} if correlated else None,
        ),
    )
