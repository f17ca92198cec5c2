"""Turn routed consumers into channels, operations and messages (the seed's mapping table).

* ``@ws_handler`` -> a ``receive`` operation (the server receives what a client sends) whose
  ``reply`` lists the output messages when the handler returns something or sets
  ``output_type``; no ``reply`` otherwise.
* ``@event_handler`` and passthrough events -> a ``send`` operation of the OUTPUT only; the
  event type is internal and never documented.
* A ``@ws_handler`` that declares ``output_type`` but returns ``None`` sends its output some
  other way (a broadcast, usually): the output is a ``send`` operation of its own, not a
  reply, because it reaches clients without the sender's ``ref``.
* ``emits`` (messages sent outside handlers, e.g. from ``post_authentication``) -> one
  ``send`` operation ``emits``.
* Frames the consumer sends on its own -> ``send`` operations too: ``error`` always,
  ``complete`` when ``send_completion`` is on, ``authentication`` when an authenticator is set.

Messages that carry the client's ``ref`` (client frames, replies, errors, completions) are
recorded in ``correlated``; broadcasts, event outputs and emitted messages never are.
"""

from __future__ import annotations

import inspect
import re
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from chanx.asyncapi._schemas import Mode, SchemaSet, models
from chanx.constants import AUTH_REFRESH_ACTION
from chanx.core.camel import camel_model, camel_type
from chanx.core.registry import channel_info
from chanx.messages.base import discriminator_values
from chanx.messages.incoming import AuthRefreshMessage
from chanx.messages.outgoing import (
    AuthenticationMessage,
    CompleteMessage,
    ErrorMessage,
    EventCompleteMessage,
    GroupCompleteMessage,
)

if TYPE_CHECKING:
    from chanx.core.registry import Registry, Route
    from chanx.routing.discovery import RouteInfo

__all__ = [
    "ChannelPlan",
    "OperationPlan",
    "Planner",
    "plan_channel",
    "returns_output",
    "unique",
]

_SAFE = re.compile(r"[^A-Za-z0-9.\-_]+")
MessageKey = tuple[Any, Mode]

_ERROR_DOC = (
    "Sent instead of a reply when a frame cannot be processed: invalid JSON, a binary frame, "
    "an unknown or missing action, a validation error, an oversized frame or a failing "
    "handler. The connection stays open; the payload lists Pydantic-style error entries and "
    "never echoes the input."
)
_COMPLETE_DOC = "Sent after the handler of each client frame finished (`send_completion` is on)."
_GROUP_DOC = "Sent after each broadcast relayed to this client (`send_completion` is on)."
_EVENT_DOC = (
    "Sent after each channel-layer event this connection handled (`send_completion` is on)."
)
_EMITS_DOC = (
    "Messages the server pushes outside handlers (`emits`), e.g. from `post_authentication`."
)
_AUTH_DOC = (
    "Sent when authentication fails, just before the server closes the connection with code "
    "4000 + status code; when the authentication expires (status 401), just before the close "
    "code 4440; and as the answer to an `auth_refresh` frame (status 200 with the new "
    "`expires_at`, or the refusal followed by the close)."
)
_REFRESH_DOC = (
    "Authenticates the open connection again before its authentication expires (else the "
    "server closes it with code 4440). Each entry replaces the handshake's credential of that "
    "name and place, for credentials the authenticator declares; the answer is an "
    "`authentication` frame. An invalid frame gets an `error` frame and the connection stays "
    "open."
)


@dataclass(slots=True)
class OperationPlan:
    """One operation before names are known: its direction and message keys."""

    action: Literal["send", "receive"]
    name: str
    messages: list[MessageKey]
    replies: list[MessageKey] | None = None
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    #: names of the handler's ``permission_classes`` (documented as security requirements)
    permissions: tuple[str, ...] = ()


@dataclass(slots=True)
class ChannelPlan:
    """One routed consumer as a channel."""

    route: RouteInfo
    channel_id: str
    title: str
    description: str | None
    tags: tuple[str, ...]
    operations: list[OperationPlan] = field(default_factory=list)
    #: message key -> discriminator value (the message's ``name``)
    actions: dict[MessageKey, str | None] = field(default_factory=dict)
    security: list[str] = field(default_factory=list)
    #: messages that may carry the client's ``ref`` (frames and the answers to them)
    correlated: set[MessageKey] = field(default_factory=set)
    #: ``x-topic`` of a topic's channel (its frames carry the topic envelope); None otherwise
    topic: dict[str, Any] | None = None


def unique(base: str, taken: set[str]) -> str:
    """``base`` made safe for a spec key and distinct from ``taken`` (``_2``, ``_3``...)."""
    base = _SAFE.sub("_", base).strip("_") or "channel"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def returns_output(route: Route) -> bool:
    """Whether the handler's output is its return value (a reply echoing the ``ref``).

    ``@ws_handler(output_type=X)`` on a method annotated ``-> None`` documents messages the
    handler sends another way, usually ``broadcast_message``: those are not replies.
    """
    annotation = inspect.signature(route.func).return_annotation
    return annotation not in (None, type(None), "None")


def _members(tp: Any) -> list[Any]:
    if tp is None or tp is type(None):
        return []
    if get_origin(tp) in (Union, types.UnionType):
        return [arg for arg in get_args(tp) if arg is not type(None)]
    return [tp]


def _action_of(tp: Any, discriminator: str) -> str | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        values = discriminator_values(tp, discriminator)
        return values[0] if values else None
    return None


def _renamed_by_camel(tp: Any) -> bool:
    """Whether camelCase changes any field name of ``tp`` or of the models inside it.

    Models that camelCase leaves alone (``action``/``payload`` only) are documented once,
    not twice, when snake_case and camelCase consumers share them.
    """
    found: dict[int, type[BaseModel]] = {}
    models(tp, found)
    return any(to_camel(name) != name for model in found.values() for name in model.model_fields)


class Planner:
    """Registers one channel's payload types and turns its routes into operations."""

    def __init__(
        self,
        plan: ChannelPlan,
        schemas: SchemaSet,
        camelize: bool,
        registry: Registry | None = None,
    ) -> None:
        self.plan = plan
        self.schemas = schemas
        host = plan.route.consumer.get_registry()
        self.camel = host.camelize or camelize
        self.registry = host if registry is None else registry

    def key(self, tp: Any, mode: Mode, fallback: str, camel: bool | None = None) -> MessageKey:
        if (self.camel if camel is None else camel) and _renamed_by_camel(tp):
            tp = (
                camel_model(tp)
                if isinstance(tp, type) and issubclass(tp, BaseModel)
                else camel_type(tp)
            )
        key = self.schemas.add(tp, mode, fallback)
        self.plan.actions.setdefault(key, _action_of(tp, self.registry.discriminator_field))
        return key

    def ws(self, route: Route) -> list[OperationPlan]:
        incoming = self.key(route.input_type, "validation", f"{route.action}_input")
        outputs = _members(route.output_type)
        replied = returns_output(route)
        kind = "reply" if replied else "output"
        keys = [self.key(tp, "serialization", f"{route.action}_{kind}") for tp in outputs]
        self.plan.correlated.add(incoming)
        if replied:
            self.plan.correlated.update(keys)
        permissions = tuple(p.name for p in route.permissions)
        ops = [
            OperationPlan(
                "receive", route.action, [incoming], (keys if replied else None) or None,
                route.summary, route.description, route.tags, permissions,
            )
        ]  # fmt: skip
        if keys and not replied:
            summary = f"Sent by the {route.action} handler to the clients it addresses (no ref)."
            ops.append(OperationPlan("send", route.action, keys, None, summary, None, route.tags))
        return ops

    def emits(self, types: tuple[type[BaseModel], ...]) -> OperationPlan | None:
        if not types:
            return None
        keys = [self.key(tp, "serialization", tp.__name__) for tp in types]
        return OperationPlan("send", "emits", keys, None, "Messages the server pushes", _EMITS_DOC)

    def event(self, route: Route) -> OperationPlan | None:
        outputs = _members(route.output_type)
        if not outputs:
            return None  # the handler sends nothing to the client: nothing to document
        keys = [self.key(tp, "serialization", f"{route.action}_output") for tp in outputs]
        return OperationPlan(
            "send", route.action, keys, None, route.summary, route.description, route.tags
        )

    def builtin(
        self, model: type[BaseModel], doc: str, camel: bool, correlated: bool = True
    ) -> OperationPlan:
        key = self.key(model, "serialization", model.__name__, camel=camel)
        if correlated:  # answers to a frame echo its ref
            self.plan.correlated.add(key)
        summary = (inspect.getdoc(model) or "").split("\n", 1)[0] or None
        return OperationPlan("send", str(self.plan.actions[key]), [key], None, summary, doc)


def plan_channel(
    route: RouteInfo, schemas: SchemaSet, taken: set[str], camelize: bool = False
) -> ChannelPlan:
    """Plan the channel of one routed consumer and register its payload types.

    ``camelize`` documents payloads in camelCase even when the consumer does not camelize.
    """
    consumer = route.consumer
    info = channel_info(consumer)
    name = info.name or consumer.__name__
    plan = ChannelPlan(route, unique(name, taken), name, info.description, info.tags)
    planner = Planner(plan, schemas, camelize)
    ops = plan.operations
    for ws_route in planner.registry.ws_routes:
        ops.extend(planner.ws(ws_route))
    ops.extend(op for r in planner.registry.event_routes if (op := planner.event(r)) is not None)
    emitted = planner.emits(planner.registry.emits)
    if emitted is not None:
        ops.append(emitted)
    # Error frames are written by the core as-is (never camelized); the others go through
    # send_message and follow the consumer's camelize setting.
    ops.append(planner.builtin(ErrorMessage, _ERROR_DOC, camel=False))
    if consumer.send_completion:
        ops.append(planner.builtin(CompleteMessage, _COMPLETE_DOC, camel=planner.camel))
        # written as fixed text by the core: never camelized, never an answer to a frame
        ops.append(planner.builtin(GroupCompleteMessage, _GROUP_DOC, False, correlated=False))
        if planner.registry.event_routes:
            ops.append(planner.builtin(EventCompleteMessage, _EVENT_DOC, False, correlated=False))
    if consumer.authenticator_class is not None:
        auth = planner.builtin(AuthenticationMessage, _AUTH_DOC, planner.camel)
        refresh = planner.key(AuthRefreshMessage, "validation", "AuthRefreshMessage", camel=False)
        plan.correlated.add(refresh)
        summary = (inspect.getdoc(AuthRefreshMessage) or "").split("\n", 1)[0] or None
        ops.append(
            OperationPlan(
                "receive", AUTH_REFRESH_ACTION, [refresh], auth.messages, summary, _REFRESH_DOC
            )
        )
        ops.append(auth)
    return plan
