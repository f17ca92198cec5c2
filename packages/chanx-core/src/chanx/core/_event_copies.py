"""One validation per broadcast event per process, and a private copy for every handler.

A ``broadcast_event`` to N connections of this process reaches N event handlers with the same
serialized event. Validating the text once per (input type, text) and handing each handler its
own copy of the result keeps handlers from seeing each other's mutations while paying the
validation once.

The text is recognised by identity, not by value: every local recipient of one envelope holds
the very same ``str`` object (the in-memory layers share the envelope, a ``deepcopy`` keeps
strings as they are, the Redis layer's reader hands one decoded message to all local channels),
while a later envelope is a new object even if its text is equal. A small bounded table keeps
the recent results; keeping the text referenced there means its ``id`` cannot be reused.

What is cheapest *and* correct as a copy was measured (``bench/bench_event_copy.py``): for a
model whose fields are all immutable scalars a shallow copy (a new instance with a copy of its
field dict) is enough and cheaper than validating again; for anything nested,
validating the text again (pydantic-core, in Rust) is 3-4x cheaper than
``model_copy(deep=True)`` or ``copy.deepcopy`` and always yields fresh containers, so nested
events are validated per handler as before.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

__all__ = ["event_for_handler"]

_KEEP = 64
#: (input type, id(text)) -> (text, validated event), oldest first.
_recent: dict[tuple[type[BaseModel], int], tuple[str, BaseModel]] = {}
#: input type -> how a handler gets its own event from the shared validated one.
_copiers: dict[type[BaseModel], Callable[[BaseModel, str], BaseModel] | None] = {}

_SCALARS = (
    str,
    int,
    float,
    bytes,
    type(None),
    decimal.Decimal,
    uuid.UUID,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    enum.Enum,
)


def _immutable(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return True
    if origin is typing.Union or origin is types.UnionType:
        return all(_immutable(arg) for arg in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _immutable(typing.get_args(annotation)[0])
    if not isinstance(annotation, type):
        return False
    if issubclass(annotation, BaseModel):
        return bool(annotation.model_config.get("frozen")) and _flat(annotation)
    return issubclass(annotation, _SCALARS)


def _flat(model: type[BaseModel]) -> bool:
    """True when a shallow copy of ``model`` shares nothing a handler could mutate."""
    if model.__private_attributes__ or model.model_config.get("extra") == "allow":
        return False
    return all(_immutable(f.annotation) for f in model.model_fields.values())


def _shallow(event: BaseModel, text: str) -> BaseModel:
    cls = type(event)
    copy = cls.__new__(cls)
    setattr_ = object.__setattr__
    setattr_(copy, "__dict__", event.__dict__.copy())
    setattr_(copy, "__pydantic_fields_set__", set(event.__pydantic_fields_set__))
    setattr_(copy, "__pydantic_extra__", None)
    setattr_(copy, "__pydantic_private__", None)
    return copy


def _copier(model: type[BaseModel]) -> Callable[[BaseModel, str], BaseModel] | None:
    try:
        return _copiers[model]
    except KeyError:
        copier = _copiers[model] = _shallow if _flat(model) else None
        return copier


def event_for_handler(model: type[BaseModel], text: str) -> BaseModel:
    """``text`` validated as ``model``: a handler's own instance, validated once per envelope.

    Raises :class:`pydantic.ValidationError` for a bad event, every time (failures are not
    kept), so each receiver still rejects and logs it.
    """
    copier = _copier(model)
    if copier is None:  # nested: validating again is the cheapest correct copy
        return model.model_validate_json(text)
    key = (model, id(text))
    hit = _recent.get(key)
    if hit is not None and hit[0] is text:
        return copier(hit[1], text)
    event = model.model_validate_json(text)
    if len(_recent) >= _KEEP:
        _recent.pop(next(iter(_recent)), None)
    _recent[key] = (text, event)
    return copier(event, text)
