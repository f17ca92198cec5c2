"""camelCase twins of message models, built once per model.

A consumer with ``camelize = True`` speaks camelCase on the wire while handlers keep their
snake_case models. Instead of walking every frame's keys in Python, each model used on the
wire gets a subclass whose fields carry camelCase aliases (Pydantic's own ``to_camel``
generator); nested models are rewritten the same way. Validation and serialization then run
entirely in pydantic-core. The twin subclasses the original, so ``isinstance`` checks in
handlers keep working.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

__all__ = ["camel_model", "camel_type"]

# A memo, not a registry: the same model always gets the same twin.
_twins: dict[type[BaseModel], type[BaseModel]] = {}

_CAMEL_CONFIG = ConfigDict(
    alias_generator=to_camel,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
)


def camel_type(tp: Any) -> Any:
    """Return ``tp`` with every model inside it replaced by its camelCase twin."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return camel_model(tp)
    origin = get_origin(tp)
    if origin is None or origin is Literal:
        return tp
    args = get_args(tp)
    if origin is Annotated:
        inner = camel_type(args[0])
        return tp if inner is args[0] else Annotated[(inner, *tp.__metadata__)]
    new_args = tuple(camel_type(a) for a in args)
    if all(a is b for a, b in zip(new_args, args, strict=True)):
        return tp
    if origin is Union or origin is types.UnionType:
        return Union[new_args]  # noqa: UP007 - rebuilding a union from a tuple of members
    return origin[new_args]


def camel_model(model: type[BaseModel]) -> type[BaseModel]:
    """The camelCase twin of ``model`` (created on first use, then reused)."""
    twin = _twins.get(model)
    if twin is not None:
        return twin
    # Reserve the slot first so self-referencing models terminate.
    _twins[model] = model
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
        "__doc__": model.__doc__,
        "model_config": _CAMEL_CONFIG,
        "__annotations__": annotations,
    }
    for name, field in model.model_fields.items():
        new = camel_type(field.annotation)
        if new is not field.annotation:
            annotations[name] = new
            namespace[name] = FieldInfo.merge_field_infos(field, annotation=new)
    twin = type(model.__name__, (model,), namespace)
    _twins[model] = twin
    return twin
