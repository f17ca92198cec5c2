"""The per-class routing table, compiled once when a consumer class is created.

``build_registry`` walks the MRO, collects decorated handlers and ``passthrough_events``,
resolves their types and compiles what the hot path needs: one ``TypeAdapter`` over the
discriminated union of client message types, a dict from validated type to handler and a dict
from event key to handler. The same object feeds the AsyncAPI generator, so routing and docs
cannot disagree.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Discriminator, Field, Tag, TypeAdapter
from pydantic.alias_generators import to_snake

from chanx.core.camel import camel_model
from chanx.core.config import ConsumerConfig
from chanx.core.decorators import CHANNEL_ATTR, HANDLER_ATTR, ChannelInfo, HandlerInfo
from chanx.core.errors import failure_frame
from chanx.core.permissions import PermissionCheck, compile_permission
from chanx.messages.base import BaseChannelEvent, BaseMessage, discriminator_values

__all__ = [
    "Registry",
    "Route",
    "build_registry",
    "channel_info",
    "event_key_field",
    "merged_attribute",
]

Handler = Callable[[Any, Any], Awaitable[Any]]
#: Turns one ``permission_classes`` entry into a check; bindings pass their own.
PermissionCompiler = Callable[[Any, str], PermissionCheck]


@dataclass(frozen=True, slots=True)
class Route:
    """One handler: what it accepts, what it answers and how it is documented."""

    kind: Literal["ws", "event"]
    name: str
    func: Handler
    action: str
    keys: tuple[str, ...]
    input_type: type[BaseModel]
    output_type: Any
    summary: str | None
    description: str | None
    tags: tuple[str, ...]
    passthrough: bool
    #: Checks run before the handler (``@ws_handler(permission_classes=...)``), compiled once.
    permissions: tuple[PermissionCheck, ...] = ()
    #: The entries of ``permission_classes`` as declared (for documentation tools).
    permission_classes: tuple[Any, ...] = ()

    @property
    def failure(self) -> str:
        """The error frame sent when this handler fails (input-free, sent as is)."""
        return failure_frame(self.keys[0])


@dataclass(slots=True)
class Registry:
    """Everything routing needs, per consumer class."""

    discriminator_field: str
    camelize: bool
    ws_routes: tuple[Route, ...] = ()
    event_routes: tuple[Route, ...] = ()
    #: validated model class -> route (camel twins included)
    ws_by_type: dict[type[BaseModel], Route] = field(default_factory=dict)
    #: event discriminator value -> route
    event_by_key: dict[str, Route] = field(default_factory=dict)
    #: validates a raw client frame into one of the input types; None without ws handlers
    incoming: TypeAdapter[Any] | None = None
    #: messages the consumer sends outside any handler (``emits``, merged across the MRO)
    emits: tuple[type[BaseModel], ...] = ()
    _outgoing: TypeAdapter[Any] | None = None

    @property
    def actions(self) -> tuple[str, ...]:
        """Discriminator values a client may send, in declaration order."""
        return tuple(k for r in self.ws_routes for k in r.keys)

    @property
    def output_types(self) -> tuple[type[BaseModel], ...]:
        """Every message class this consumer may send: handler outputs, emits, chanx's frames.

        chanx's frames are ``error`` and the completion family; the ``authentication`` frame
        is not among them (it answers the handshake, not a message).
        """
        found: dict[type[BaseModel], None] = {}
        for route in (*self.ws_routes, *self.event_routes):
            for tp in _members(route.output_type):
                found[tp] = None
        for tp in (*self.emits, *_standard_outputs()):
            found[tp] = None
        return tuple(found)

    @property
    def outgoing(self) -> TypeAdapter[Any]:
        """Validates any frame this consumer sends (built on first use, then kept).

        For test helpers and clients: a union of :attr:`output_types` tagged by the
        discriminator (the first declaration of a value wins: a handler's own output over a
        standard frame), read in camelCase when the consumer camelizes. The results are
        instances of the declared classes (camelCase twins subclass them).
        """
        if self._outgoing is None:
            field_name = self.discriminator_field
            by_tag: dict[str, type[BaseModel]] = {}
            for tp in self.output_types:
                tags = discriminator_values(tp, field_name) or discriminator_values(tp, "action")
                for tag in tags:
                    by_tag.setdefault(tag, camel_model(tp) if self.camelize else tp)
            members = tuple(Annotated[tp, Tag(tag)] for tag, tp in by_tag.items())
            union: Any = Union[members]  # noqa: UP007 - built from a runtime tuple

            def tag_of(value: Any) -> Any:
                if isinstance(value, dict):
                    return value.get(field_name, value.get("action"))
                return getattr(value, field_name, None) or getattr(value, "action", None)

            self._outgoing = TypeAdapter(Annotated[union, Discriminator(tag_of)])
        return self._outgoing


def _members(output: Any) -> list[type[BaseModel]]:
    """The message classes of an output annotation: a class, ``A | B``, a list of classes."""
    if isinstance(output, type) and issubclass(output, BaseModel):
        return [output]
    if isinstance(output, list | tuple):
        return [t for item in output for t in _members(item)]
    return [t for arg in typing.get_args(output) for t in _members(arg)]


def _standard_outputs() -> tuple[type[BaseModel], ...]:
    from chanx.messages.outgoing import (
        CompleteMessage,
        ErrorMessage,
        EventCompleteMessage,
        GroupCompleteMessage,
    )

    return (
        ErrorMessage,
        CompleteMessage,
        GroupCompleteMessage,
        EventCompleteMessage,
    )


def event_key_field(model: type[BaseModel], discriminator_field: str) -> str:
    """Field that routes an event: ``handler`` for ``BaseChannelEvent``, else the consumer's."""
    if issubclass(model, BaseChannelEvent):
        return BaseChannelEvent.__discriminator__
    return discriminator_field


def channel_info(cls: type) -> ChannelInfo:
    """The ``@channel`` metadata of exactly this class (not inherited), with defaults filled."""
    info: ChannelInfo | None = vars(cls).get(CHANNEL_ATTR)
    doc = inspect.getdoc(cls) if "__doc__" in vars(cls) and cls.__doc__ else None
    if info is None:
        return ChannelInfo(name=cls.__name__, description=doc)
    return ChannelInfo(
        name=info.name or cls.__name__,
        description=info.description if info.description is not None else doc,
        tags=info.tags,
    )


def _hints(
    func: Callable[..., Any], owner: type, localns: Mapping[str, Any] | None
) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, localns=dict(localns) if localns else None)
    except NameError as exc:
        raise TypeError(
            f"{owner.__qualname__}.{func.__name__}: cannot resolve its annotations ({exc}); "
            "define message types at module level or pass input_type=/output_type="
        ) from exc


def _resolve(
    owner: type,
    name: str,
    info: HandlerInfo,
    discriminator_field: str,
    localns: Mapping[str, Any] | None = None,
    compiler: PermissionCompiler = compile_permission,
) -> Route:
    where = f"{owner.__qualname__}.{name}"
    hints = _hints(info.func, owner, localns)
    params = list(inspect.signature(info.func).parameters.values())[1:]
    required = [
        p.name
        for p in params[1:]
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        raise TypeError(
            f"{where}() takes required parameters {required} besides the message; a handler "
            "is called with the message only: give them defaults or remove them"
        )
    input_type = info.input_type
    if input_type is None and params:
        input_type = hints.get(params[0].name)
    if not (isinstance(input_type, type) and issubclass(input_type, BaseModel)):
        raise TypeError(
            f"{where}: the input type must be a Pydantic model, annotate the first parameter "
            f"or pass input_type=; got {input_type!r}"
        )
    output_type = info.output_type
    if output_type is None:
        output_type = hints.get("return")
        if output_type is type(None):
            output_type = None
    if info.kind == "ws":
        key_field = discriminator_field
    else:
        key_field = event_key_field(input_type, discriminator_field)
    keys = discriminator_values(input_type, key_field)
    if not keys:
        raise TypeError(
            f"{where}: {input_type.__qualname__} cannot be routed, its field {key_field!r} "
            "must be annotated with a Literal"
        )
    action = info.action
    if action is None:
        action = keys[0]
        output_is_model = isinstance(output_type, type) and issubclass(output_type, BaseModel)
        if info.kind == "event" and output_is_model:
            action = next(iter(discriminator_values(output_type, discriminator_field)), action)
    return Route(
        kind=info.kind,
        name=name,
        func=getattr(owner, name),
        action=action,
        keys=keys,
        input_type=input_type,
        output_type=output_type,
        summary=info.summary,
        description=info.description if info.description is not None else inspect.getdoc(info.func),
        tags=info.tags,
        passthrough=info.passthrough,
        permissions=tuple(compiler(p, where) for p in info.permission_classes),
        permission_classes=info.permission_classes,
    )


def _merge_passthrough(cls: type) -> list[type[BaseModel]]:
    return merged_attribute(cls, "passthrough_events")


def merged_attribute(cls: type, name: str, most_derived_first: bool = False) -> list[Any]:
    """Every item of list attribute ``name`` over ``cls``'s MRO, de-duplicated, in order.

    Base classes first by default; ``most_derived_first`` walks from ``cls`` outwards.
    """
    merged: list[Any] = []
    order = cls.__mro__ if most_derived_first else tuple(reversed(cls.__mro__))
    for klass in order:
        for item in vars(klass).get(name, ()) or ():
            if item not in merged:
                merged.append(item)
    return merged


def _merge_emits(cls: type) -> tuple[type[BaseModel], ...]:
    emits = merged_attribute(cls, "emits")
    for item in emits:
        if not (isinstance(item, type) and issubclass(item, BaseMessage)):
            raise TypeError(
                f"{cls.__qualname__}: emits item {item!r} must be a BaseMessage subclass "
                "(list the message classes the consumer sends outside handlers)"
            )
    return tuple(emits)


def _passthrough_method(model: type[BaseModel]) -> Handler:
    async def forward(self: Any, event: Any) -> Any:
        return event

    forward.__doc__ = f"Forward {model.__name__} to the client unchanged."
    return forward


def _collect(cls: type) -> dict[str, HandlerInfo]:
    found: dict[str, HandlerInfo] = {}
    for klass in reversed(cls.__mro__):
        for name, attr in vars(klass).items():
            info = getattr(attr, HANDLER_ATTR, None)
            if isinstance(info, HandlerInfo):
                found[name] = info
    return found


def _index(cls: type, routes: list[Route], label: str) -> dict[str, Route]:
    by_key: dict[str, Route] = {}
    for route in routes:  # explicit handlers first (build_registry), then passthrough routes
        for key in route.keys:
            other = by_key.get(key)
            if other is None:
                by_key[key] = route
            elif route.passthrough and not other.passthrough:
                continue  # an explicit handler of this key takes priority
            else:
                raise TypeError(
                    f"{cls.__qualname__}: {label} {key!r} is handled by both "
                    f"{other.name}() and {route.name}(); keep one handler per {label}"
                )
    return by_key


def _union_adapter(types: Sequence[type[BaseModel]], field_name: str) -> TypeAdapter[Any] | None:
    if not types:
        return None
    # Tagged by the discriminator even for one type: a frame without it, or with an unknown
    # value, gets the same errors whatever the number of handlers.
    union: Any = types[0] if len(types) == 1 else Union[tuple(types)]  # noqa: UP007
    return TypeAdapter(Annotated[union, Field(discriminator=field_name)])


def _passthrough_route(
    cls: type, model: type[BaseModel], keys: tuple[str, ...], prefix: str, field_name: str
) -> Route:
    method_name = f"{prefix}{to_snake(model.__name__)}"
    existing = getattr(cls, method_name, None)
    existing_info = getattr(existing, HANDLER_ATTR, None)
    if existing is not None and not (
        isinstance(existing_info, HandlerInfo) and existing_info.passthrough
    ):
        raise TypeError(
            f"{cls.__qualname__}: passthrough method name {method_name!r} for "
            f"{model.__qualname__} is already taken; change passthrough_method_prefix"
        )
    if not isinstance(existing_info, HandlerInfo) or existing_info.input_type is not model:
        func = _passthrough_method(model)
        func.__name__ = func.__qualname__ = method_name
        setattr(
            func,
            HANDLER_ATTR,
            HandlerInfo(
                kind="event", func=func, input_type=model, output_type=model, passthrough=True
            ),
        )
        setattr(cls, method_name, func)
    action = next(iter(discriminator_values(model, field_name)), keys[0])
    return Route(
        kind="event",
        name=method_name,
        func=getattr(cls, method_name),
        action=action,
        keys=keys,
        input_type=model,
        output_type=model,
        summary=None,
        description=inspect.getdoc(model) if model.__doc__ else None,
        tags=(),
        passthrough=True,
    )


def build_registry(
    cls: type[ConsumerConfig],
    localns: Mapping[str, Any] | None = None,
    compile_permissions: PermissionCompiler = compile_permission,
) -> Registry:
    """Compile the routing table of consumer class ``cls`` (called once per class).

    ``localns`` is the namespace the class was defined in, so that postponed annotations
    naming types local to a function (tests, factories) still resolve.
    ``compile_permissions`` turns ``permission_classes`` entries into checks.
    """
    field_name = cls.discriminator_field
    camelize = bool(cls.camelize)
    prefix = cls.passthrough_method_prefix

    routes: list[Route] = []
    for name, info in _collect(cls).items():
        if info.passthrough:
            continue  # regenerated below from the merged passthrough list
        if not callable(getattr(cls, name, None)):
            continue  # a subclass switched the handler off (e.g. `handle_x = None`)
        routes.append(_resolve(cls, name, info, field_name, localns, compile_permissions))
    explicit_keys = {k for r in routes if r.kind == "event" for k in r.keys}

    for model in _merge_passthrough(cls):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(
                f"{cls.__qualname__}.passthrough_events must list Pydantic models, got {model!r}"
            )
        keys = discriminator_values(model, event_key_field(model, field_name))
        if not keys:
            raise TypeError(
                f"{cls.__qualname__}: passthrough event {model.__qualname__} has no Literal "
                f"discriminator field {event_key_field(model, field_name)!r}"
            )
        if explicit_keys.issuperset(keys):
            continue  # an explicit @event_handler takes priority
        routes.append(_passthrough_route(cls, model, keys, prefix, field_name))

    ws = [r for r in routes if r.kind == "ws"]
    events = [r for r in routes if r.kind == "event"]
    ws_keys = _index(cls, ws, "action")
    event_keys = _index(cls, events, "event")
    ws_final = tuple(dict.fromkeys(ws_keys.values()))
    event_final = tuple(dict.fromkeys(event_keys.values()))

    wire_types = [camel_model(r.input_type) if camelize else r.input_type for r in ws_final]
    by_type: dict[type[BaseModel], Route] = {}
    for route, wire in zip(ws_final, wire_types, strict=True):
        by_type[wire] = route
        by_type[route.input_type] = route
    return Registry(
        discriminator_field=field_name,
        camelize=camelize,
        ws_routes=ws_final,
        event_routes=event_final,
        ws_by_type=by_type,
        event_by_key=event_keys,
        incoming=_union_adapter(wire_types, field_name),
        emits=_merge_emits(cls),
    )
