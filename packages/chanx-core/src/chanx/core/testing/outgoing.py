"""The messages a consumer may send, as one validator, built from its public routing table.

Tests read a consumer's frames back as typed messages: every handler's output type, every
passthrough event, and chanx's standard frames (:mod:`chanx.messages.outgoing`, except the
authentication frame, which tests read with their own helper). Built once per consumer class
and rebuilt only when the class's registry changes (Django re-applies ``CHANX`` on settings
changes).
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag, TypeAdapter

from chanx.core.camel import camel_model
from chanx.messages import outgoing
from chanx.messages.base import BaseMessage, discriminator_values

__all__ = ["consumer_camelizes", "outgoing_adapter", "outgoing_models"]

# consumer class -> (the registry it was built from, action key, adapter)
_cache: dict[type[Any], tuple[Any, str, TypeAdapter[Any]]] = {}


def _registry(consumer: type[Any]) -> Any:
    get_registry = getattr(consumer, "get_registry", None)
    if get_registry is None:
        raise TypeError(f"{consumer!r} is not a chanx consumer class (it has no get_registry())")
    return get_registry()


def consumer_camelizes(consumer: type[Any]) -> bool:
    """Whether ``consumer`` speaks camelCase (its ``camelize`` after project settings)."""
    get_registry = getattr(consumer, "get_registry", None)
    if get_registry is not None:
        return bool(get_registry().camelize)
    return bool(getattr(consumer, "camelize", False))


def _models_in(tp: Any) -> list[type[BaseModel]]:
    """The model classes named by an output annotation (unions and ``Annotated`` unpacked)."""
    if isinstance(tp, type):
        return [tp] if issubclass(tp, BaseModel) else []
    origin = get_origin(tp)
    if origin is Annotated:
        return _models_in(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(tp) for m in _models_in(arg)]
    return []


def _standard() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for name in outgoing.__all__:
        value = getattr(outgoing, name)
        if (
            isinstance(value, type)
            and issubclass(value, BaseMessage)
            and value is not outgoing.AuthenticationMessage
        ):
            found.append(value)
    return found


def outgoing_models(consumer: type[Any]) -> list[type[BaseModel]]:
    """Every message model ``consumer`` may send: outputs, passthrough events, standard frames."""
    registry = _registry(consumer)
    models: list[type[BaseModel]] = []
    for route in (*registry.ws_routes, *registry.event_routes):
        for model in _models_in(route.output_type):
            if model not in models:
                models.append(model)
    return models + [m for m in _standard() if m not in models]


def _tag_of(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else getattr(value, key, None)


def outgoing_adapter(consumer: type[Any], action_key: str = "action") -> TypeAdapter[Any]:
    """A validator of the frames ``consumer`` sends, tagged by ``action_key``.

    Camelizing consumers' frames are read through the models' camelCase twins, which subclass
    the models, so the results are instances of the declared classes.
    """
    registry = _registry(consumer)
    cached = _cache.get(consumer)
    if cached is not None and cached[0] is registry and cached[1] == action_key:
        return cached[2]
    by_tag: dict[str, type[BaseModel]] = {}
    for model in outgoing_models(consumer):
        tags = discriminator_values(model, action_key) or discriminator_values(
            model, registry.discriminator_field
        )
        for tag in tags:
            # the first declaration of a tag wins: a handler's own output over a standard frame
            by_tag.setdefault(tag, camel_model(model) if registry.camelize else model)
    members = tuple(Annotated[model, Tag(tag)] for tag, model in by_tag.items())
    union: Any = Union[members]  # noqa: UP007 - built from a runtime tuple
    adapter: TypeAdapter[Any] = TypeAdapter(
        Annotated[union, Discriminator(lambda value: _tag_of(value, action_key))]
    )
    _cache[consumer] = (registry, action_key, adapter)
    return adapter
