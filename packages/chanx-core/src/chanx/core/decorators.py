"""The three decorators that declare a consumer: ``@ws_handler``, ``@event_handler``, ``@channel``.

Decorators only attach metadata; nothing is registered globally. The consumer class reads the
metadata once, when it is created, and compiles its routing table from it (see ``registry``).
Types are resolved then too, so ``from __future__ import annotations`` works.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast, overload

__all__ = ["ChannelInfo", "HandlerInfo", "channel", "event_handler", "ws_handler"]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
C = TypeVar("C", bound=type)

HANDLER_ATTR = "__chanx_handler__"
CHANNEL_ATTR = "__chanx_channel__"


@dataclass(frozen=True, slots=True)
class HandlerInfo:
    """What a handler decorator recorded about a method (types may still be unresolved)."""

    kind: Literal["ws", "event"]
    func: Callable[..., Awaitable[Any]]
    action: str | None = None
    input_type: Any = None
    output_type: Any = None
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    passthrough: bool = False
    permission_classes: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """Documentation metadata of a consumer, set by ``@channel``."""

    name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()


def _mark(kind: Literal["ws", "event"], func: F, **meta: Any) -> F:
    if not callable(func):
        raise TypeError(f"@{kind}_handler decorates an async method, got {func!r}")
    if not inspect.iscoroutinefunction(func):
        name = getattr(func, "__qualname__", repr(func))
        raise TypeError(
            f"@{kind}_handler: {name}() must be defined with `async def` (chanx awaits every "
            "handler; run blocking work with asgiref.sync.sync_to_async inside it)"
        )
    tags = meta.pop("tags", None)
    permissions = tuple(meta.pop("permission_classes", None) or ())
    info = HandlerInfo(
        kind=kind, func=func, tags=tuple(tags or ()), permission_classes=permissions, **meta
    )
    setattr(func, HANDLER_ATTR, info)
    return cast("F", func)  # iscoroutinefunction() narrowed the type; it is still F


@overload
def ws_handler(func: F, /) -> F: ...
@overload
def ws_handler(
    func: None = None,
    /,
    *,
    action: str | None = None,
    input_type: Any = None,
    output_type: Any = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
    permission_classes: Sequence[Any] | None = None,
) -> Callable[[F], F]: ...
def ws_handler(
    func: F | None = None,
    /,
    *,
    action: str | None = None,
    input_type: Any = None,
    output_type: Any = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
    permission_classes: Sequence[Any] | None = None,
) -> F | Callable[[F], F]:
    """Handle one kind of client frame; the return value (if not ``None``) is sent back.

    The input type comes from the first parameter's annotation unless ``input_type`` is given,
    the output type from the return annotation unless ``output_type`` is given (used for the
    AsyncAPI ``reply``). ``action`` names the operation in the docs; it defaults to the input
    type's discriminator value. ``permission_classes`` run before the handler
    (:mod:`chanx.core.permissions`); one refusal answers an error frame and skips the handler.
    """
    meta = {
        "action": action,
        "input_type": input_type,
        "output_type": output_type,
        "summary": summary,
        "description": description,
        "tags": tags,
        "permission_classes": permission_classes,
    }
    if func is not None:
        return _mark("ws", func, **meta)
    return lambda f: _mark("ws", f, **meta)


@overload
def event_handler(func: F, /) -> F: ...
@overload
def event_handler(
    func: None = None,
    /,
    *,
    action: str | None = None,
    input_type: Any = None,
    output_type: Any = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> Callable[[F], F]: ...
def event_handler(
    func: F | None = None,
    /,
    *,
    action: str | None = None,
    input_type: Any = None,
    output_type: Any = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> F | Callable[[F], F]:
    """Handle a server-side event delivered through the channel layer.

    Events come from ``send_event`` / ``broadcast_event`` (views, tasks, scripts). The return
    value, if not ``None``, is sent to this connection's client. Only the output is documented
    in AsyncAPI; the event type itself is internal.
    """
    meta = {
        "action": action,
        "input_type": input_type,
        "output_type": output_type,
        "summary": summary,
        "description": description,
        "tags": tags,
    }
    if func is not None:
        return _mark("event", func, **meta)
    return lambda f: _mark("event", f, **meta)


@overload
def channel(cls: C, /) -> C: ...
@overload
def channel(
    cls: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> Callable[[C], C]: ...
def channel(
    cls: C | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> C | Callable[[C], C]:
    """Name and describe a consumer for its AsyncAPI channel.

    ``name`` defaults to the class name and ``description`` to the class docstring.
    """
    info = ChannelInfo(name=name, description=description, tags=tuple(tags or ()))

    def apply(klass: C) -> C:
        setattr(klass, CHANNEL_ATTR, info)
        return klass

    return apply(cls) if cls is not None else apply
