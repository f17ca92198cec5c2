"""Turn routed consumers into channels, operations and messages (the seed's mapping table).

* ``@ws_handler`` -> a ``receive`` operation (the server receives what a client sends) whose
  ``reply`` lists the output messages when the handler returns something or sets
  ``output_type``; no ``reply`` otherwise.
* ``@event_handler`` and passthrough events -> a ``send`` operation of the OUTPUT only; the
  event type is internal and never documented.
* Frames the consumer sends on its own -> ``send`` operations too: ``error`` always,
  ``complete`` when ``send_completion`` is on, ``authentication`` when an authenticator is set.
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
from chanx.core.camel import camel_model, camel_type
from chanx.core.registry import channel_info
from chanx.messages.base import discriminator_values
from chanx.messages.outgoing import AuthenticationMessage, CompleteMessage, ErrorMessage

if TYPE_CHECKING:
    from chanx.asyncapi.discovery import RoutedConsumer
    from chanx.core.registry import Route

__all__ = ["ChannelPlan", "OperationPlan", "plan_channel", "unique"]

_SAFE = re.compile(r"[^A-Za-z0-9.\-_]+")
MessageKey = tuple[Any, Mode]

_ERROR_DOC = (
    "Sent instead of a reply when a frame cannot be processed: invalid JSON, a binary frame, "
    "an unknown or missing action, a validation error, an oversized frame or a failing "
    "handler. The connection stays open; the payload lists Pydantic-style error entries and "
    "never echoes the input."
)
_COMPLETE_DOC = "Sent after the handler of each client frame finished (`send_completion` is on)."
_AUTH_DOC = (
    "Sent when authentication fails, just before the server closes the connection with code "
    "4000 + status code."
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


@dataclass(slots=True)
class ChannelPlan:
    """One routed consumer as a channel."""

    routed: RoutedConsumer
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


def unique(base: str, taken: set[str]) -> str:
    """``base`` made safe for a spec key and distinct from ``taken`` (``_2``, ``_3``...)."""
    base = _SAFE.sub("_", base).strip("_") or "channel"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


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


class _Planner:
    def __init__(self, plan: ChannelPlan, schemas: SchemaSet) -> None:
        self.plan = plan
        self.schemas = schemas
        consumer = plan.routed.consumer
        self.registry = consumer.get_registry()
        self.camel = self.registry.camelize

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

    def ws(self, route: Route) -> OperationPlan:
        incoming = self.key(route.input_type, "validation", f"{route.action}_input")
        outputs = _members(route.output_type)
        replies = [self.key(tp, "serialization", f"{route.action}_reply") for tp in outputs]
        self.plan.correlated.update([incoming, *replies])
        return OperationPlan(
            "receive", route.action, [incoming], replies or None,
            route.summary, route.description, route.tags,
        )  # fmt: skip

    def event(self, route: Route) -> OperationPlan | None:
        outputs = _members(route.output_type)
        if not outputs:
            return None  # the handler sends nothing to the client: nothing to document
        keys = [self.key(tp, "serialization", f"{route.action}_output") for tp in outputs]
        return OperationPlan(
            "send", route.action, keys, None, route.summary, route.description, route.tags
        )

    def builtin(self, model: type[BaseModel], doc: str, camel: bool) -> OperationPlan:
        key = self.key(model, "serialization", model.__name__, camel=camel)
        if model is not AuthenticationMessage:  # answers to a frame echo its ref
            self.plan.correlated.add(key)
        summary = (inspect.getdoc(model) or "").split("\n", 1)[0] or None
        return OperationPlan("send", str(self.plan.actions[key]), [key], None, summary, doc)


def plan_channel(routed: RoutedConsumer, schemas: SchemaSet, taken: set[str]) -> ChannelPlan:
    """Plan the channel of one routed consumer and register its payload types."""
    consumer = routed.consumer
    info = channel_info(consumer)
    name = info.name or consumer.__name__
    plan = ChannelPlan(routed, unique(name, taken), name, info.description, info.tags)
    planner = _Planner(plan, schemas)
    ops = plan.operations
    ops.extend(planner.ws(route) for route in planner.registry.ws_routes)
    ops.extend(op for r in planner.registry.event_routes if (op := planner.event(r)) is not None)
    # Error frames are written by the core as-is (never camelized); the others go through
    # send_message and follow the consumer's camelize setting.
    ops.append(planner.builtin(ErrorMessage, _ERROR_DOC, camel=False))
    if consumer.send_completion:
        ops.append(planner.builtin(CompleteMessage, _COMPLETE_DOC, camel=planner.camel))
    if consumer.authenticator_class is not None:
        ops.append(planner.builtin(AuthenticationMessage, _AUTH_DOC, camel=planner.camel))
    return plan
