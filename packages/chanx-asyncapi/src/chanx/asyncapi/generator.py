"""Generate an AsyncAPI 3.0.0 document from routed consumers: :class:`AsyncAPIGenerator`.

``AsyncAPIGenerator(routes, ...)`` takes the :class:`~chanx.routing.discovery.RouteInfo` list a
route discovery returns (``DjangoRouteDiscovery``, ``FastAPIRouteDiscovery``, or
:func:`~chanx.routing.traversal.find_routes` for any app); :func:`generate` does both steps
for any application. The same input always gives the same document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from chanx.asyncapi._build import ChannelPlan, MessageKey, unique
from chanx.asyncapi._document import REF_SCHEMA, channel, message, ref, servers_block
from chanx.asyncapi._schemas import SchemaSet
from chanx.asyncapi._topics import TOPIC_ENVELOPE, plan_routes
from chanx.asyncapi.constants import (
    DEFAULT_ASYNCAPI_TITLE,
    DEFAULT_ASYNCAPI_VERSION,
    DEFAULT_SERVER_PROTOCOL,
    DEFAULT_SERVER_URL,
)
from chanx.asyncapi.security import PERMISSIONS_EXTENSION, scheme, security_schemes_of
from chanx.asyncapi.v3_0_0 import (
    AsyncAPI,
    Components,
    CorrelationId,
    Info,
    Message,
    Operation,
    OperationReply,
    Reference,
    SecurityScheme,
    Server,
    Tag,
)
from chanx.core.consumer import ChanxConsumer
from chanx.core.envelope import MAX_REF_LENGTH
from chanx.routing.discovery import RouteInfo
from chanx.routing.traversal import find_routes

__all__ = ["CORRELATION_ID", "AsyncAPIGenerator", "NoConsumersError", "generate"]


class NoConsumersError(LookupError):
    """The application routes no chanx consumer, so there is nothing to document."""


#: The client's correlation id, echoed by the server on every answer to a frame.
CORRELATION_ID = CorrelationId(
    location="$message.payload#/ref",
    description=(
        f"Optional `ref` a client adds to a frame (a string of at most {MAX_REF_LENGTH} "
        "characters or an "
        "integer); every frame the server sends in answer to it (reply, error, completion) "
        "carries the same `ref`. Broadcasts, event outputs and pushed messages never do."
    ),
)


class AsyncAPIGenerator:
    """The AsyncAPI 3.0.0 document of ``routes``, one channel per route.

    ``server_url`` is a host (``chat.example.com``, ``localhost:8000``) or a URL
    (``wss://chat.example.com/base``, whose scheme then wins over ``server_protocol``); it
    becomes one server named ``development`` (local hosts) or ``production``. ``servers``
    (Server Objects by name) replaces that entry; ``security_schemes`` adds Security Scheme
    Objects, winning over the ones authenticators declare. ``camelize`` documents every
    payload in camelCase (consumers that camelize are documented so anyway; the wire is
    unaffected). ``server_url=None`` and no ``servers`` leave ``servers`` out.
    """

    def __init__(
        self,
        routes: Sequence[RouteInfo],
        title: str = DEFAULT_ASYNCAPI_TITLE,
        version: str = DEFAULT_ASYNCAPI_VERSION,
        description: str | None = None,
        server_url: str | None = DEFAULT_SERVER_URL,
        server_protocol: str = DEFAULT_SERVER_PROTOCOL,
        camelize: bool = False,
        servers: Mapping[str, Server | Mapping[str, Any]] | None = None,
        security_schemes: Mapping[str, SecurityScheme | Mapping[str, Any]] | None = None,
    ) -> None:
        self.routes = list(routes)
        self.info = Info(title=title, version=version, description=description)
        self.servers = servers_block(servers, server_url, server_protocol)
        self.camelize = camelize
        self.security_schemes = {
            str(k): scheme(v, f"security_schemes[{k!r}]")
            for k, v in (security_schemes or {}).items()
        }

    def generate(self) -> dict[str, Any]:
        """The document as JSON-ready data (spec field names, unset fields left out)."""
        return self.document.to_dict()

    def build_channels(self) -> dict[str, Any]:
        """The ``channels`` object of the document."""
        return self.generate().get("channels") or {}

    def build_operations(self) -> dict[str, Any]:
        """The ``operations`` object of the document."""
        return self.generate().get("operations") or {}

    def get_channel_messages(self, consumer: type[ChanxConsumer[Any]]) -> dict[str, Any]:
        """The messages of the (first) channel that documents ``consumer``."""
        channels = self.build_channels()
        for plan in self._planned[0]:
            if plan.route.consumer is consumer:
                return dict(channels[plan.channel_id].get("messages") or {})
        raise LookupError(f"{consumer.__qualname__} is not among the documented routes")

    @cached_property
    def document(self) -> AsyncAPI:
        """The typed document (built once); without routes it has no channels."""
        return self._build()

    @cached_property
    def _planned(self) -> tuple[list[ChannelPlan], SchemaSet]:
        """Every route planned as a channel, and all payload schemas rendered in one pass."""
        schemas = SchemaSet()
        taken: set[str] = set()
        plans = plan_routes(self.routes, schemas, taken, self.camelize)
        schemas.build()
        return plans, schemas

    def _guarded(
        self,
        security: dict[str, SecurityScheme | Reference],
        schemes: Sequence[str],
        permissions: Sequence[str],
    ) -> list[str]:
        """The security requirements of a handler with ``permission_classes``.

        AsyncAPI has no authorization object beside the credentials, so each of the channel's
        schemes gets a derived scheme (same credential, ``<scheme>.<Permission>...``) whose
        description names the permissions; ``x-chanx-permissions`` lists them for tools.
        """
        keys = []
        for name in schemes:
            key = _guarded_key(name, permissions)
            keys.append(key)
            if key in security:
                continue
            base = self.security_schemes.get(name) or security[name]
            if not isinstance(base, SecurityScheme):
                continue  # a reference supplied by the caller: nothing to derive from
            note = (
                f"Also requires the permission(s) {', '.join(permissions)}: a refused frame "
                "gets an error frame, no handler runs and the connection stays open."
            )
            description = f"{base.description.rstrip('.')}. {note}" if base.description else note
            security[key] = base.model_copy(update={"description": description})
        return keys

    def _build(self) -> AsyncAPI:
        plans, schemas = self._planned
        names: dict[MessageKey, str] = dict(schemas.refs)
        correlated = {names[k] for plan in plans if plan.topic is None for k in plan.correlated}
        component_schemas = dict(schemas.schemas)
        taken = set(component_schemas)
        ref_schema = unique("CorrelationRef", taken) if correlated else None
        if ref_schema is not None:
            component_schemas[ref_schema] = dict(REF_SCHEMA)
        envelope = None
        if any(plan.topic is not None for plan in plans):
            envelope = unique("TopicEnvelope", taken)
            component_schemas[envelope] = dict(TOPIC_ENVELOPE)
        component_schemas = dict(sorted(component_schemas.items()))
        # A topic frame carries the topic envelope, so a message that topics and plain
        # channels share is documented twice: ``<name>`` and ``<name>_topic``.
        plain = {k for plan in plans if plan.topic is None for k in plan.actions}
        on_topic = {k: names[k] + ("_topic" if k in plain else "") for p in plans
                    if p.topic is not None for k in p.actions}  # fmt: skip
        component_messages: dict[str, Message | Reference] = {}
        examples: dict[Any, Any] = {}
        for plan in plans:
            for key, action in plan.actions.items():
                name = names[key] if plan.topic is None else on_topic[key]
                if name in component_messages:
                    continue
                if plan.topic is None:
                    component_messages[name] = message(
                        name, action, key[0], schemas,
                        ref_schema if name in correlated else None, examples,
                    )  # fmt: skip
                else:
                    component_messages[name] = message(
                        names[key], action, key[0], schemas, envelope, examples,
                        correlated=key in plan.correlated, component=name,
                    )  # fmt: skip

        security: dict[str, SecurityScheme | Reference] = {}
        channels: dict[str, Any] = {}
        operations: dict[str, Operation | Reference] = {}
        op_ids: set[str] = set()
        for plan in plans:
            for scheme_name, found in security_schemes_of(
                plan.route.consumer.authenticator_class
            ).items():
                if scheme_name in self.security_schemes:
                    pass  # the caller's scheme of that name wins
                elif security.setdefault(scheme_name, found) != found:
                    raise ValueError(
                        f"two authenticators declare different schemes {scheme_name!r}"
                    )
                plan.security.append(scheme_name)
            cid = plan.channel_id
            keys = names if plan.topic is None else on_topic
            channels[cid] = channel(plan, keys)
            op_security: list[SecurityScheme | Reference] | None = [
                ref("components", "securitySchemes", s) for s in plan.security
            ] or None
            for op in plan.operations:
                security_of_op = op_security
                if op.permissions and plan.security:
                    security_of_op = [
                        ref("components", "securitySchemes", key)
                        for key in self._guarded(security, plan.security, op.permissions)
                    ]
                reply = None
                if op.replies:
                    reply = OperationReply(
                        channel=ref("channels", cid),
                        messages=[ref("channels", cid, "messages", keys[k]) for k in op.replies],
                    )
                op_id = unique(f"{cid}.{op.action}.{op.name}", op_ids)
                operations[op_id] = Operation(
                    action=op.action,
                    channel=ref("channels", cid),
                    summary=op.summary,
                    description=op.description,
                    tags=[Tag(name=t) for t in op.tags] or None,
                    security=security_of_op,
                    messages=[ref("channels", cid, "messages", keys[k]) for k in op.messages],
                    reply=reply,
                    **_extensions(op.permissions),
                )
        security.update(self.security_schemes)
        return AsyncAPI(
            asyncapi="3.0.0",
            info=self.info,
            servers=self.servers,
            default_content_type="application/json",
            channels=channels,
            operations=operations,
            components=Components(
                schemas=component_schemas,
                messages=component_messages,
                security_schemes=dict(sorted(security.items())) or None,
                correlation_ids={"ref": CORRELATION_ID} if correlated or envelope else None,
            ),
        )


def _extensions(permissions: Sequence[str]) -> dict[str, Any]:
    """The ``x-`` fields of an operation: the permissions its handler requires, if any."""
    return {PERMISSIONS_EXTENSION: list(permissions)} if permissions else {}


_SAFE_KEY = re.compile(r"[^A-Za-z0-9.\-_]+")


def _guarded_key(scheme_name: str, permissions: Sequence[str]) -> str:
    return _SAFE_KEY.sub("_", ".".join((scheme_name, *permissions)))


def _app_info(source: Any) -> dict[str, str]:
    """``title``/``version``/``description`` an app carries (FastAPI does)."""
    found = {}
    for attr in ("title", "version", "description"):
        value = getattr(source, attr, None)
        if isinstance(value, str) and value:
            found[attr] = value
    return found


def generate(
    source: Any,
    *,
    title: str | None = None,
    version: str | None = None,
    description: str | None = None,
    servers: Mapping[str, Server | Mapping[str, Any]] | None = None,
    server_url: str | None = None,
    server_protocol: str = DEFAULT_SERVER_PROTOCOL,
    camelize: bool = False,
    security_schemes: Mapping[str, SecurityScheme | Mapping[str, Any]] | None = None,
) -> AsyncAPI:
    """The typed AsyncAPI 3.0.0 document of every chanx consumer ``source`` routes.

    ``source`` is what :func:`~chanx.routing.traversal.find_routes` accepts: a FastAPI or
    Starlette app, a Channels router, or a list of ``(address, consumer)`` pairs. ``title``,
    ``version`` and ``description`` default to the app's own (FastAPI), then to
    :mod:`~chanx.asyncapi.constants`; no server is listed unless ``server_url`` or
    ``servers`` is given. The other options are :class:`AsyncAPIGenerator`'s.

    Raises :class:`NoConsumersError` when nothing is routed.
    """
    routes = find_routes(source)
    if not routes:
        raise NoConsumersError(f"no chanx consumer is routed by {source!r}")
    info = _app_info(source)
    return AsyncAPIGenerator(
        routes,
        title=title or info.get("title", DEFAULT_ASYNCAPI_TITLE),
        version=version or info.get("version", DEFAULT_ASYNCAPI_VERSION),
        description=description if description is not None else info.get("description"),
        server_url=server_url,
        server_protocol=server_protocol,
        camelize=camelize,
        servers=servers,
        security_schemes=security_schemes,
    ).document
