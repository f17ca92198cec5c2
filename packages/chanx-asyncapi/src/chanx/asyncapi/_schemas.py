"""Payload schemas: every documented type rendered by Pydantic in ONE pass.

One ``GenerateJsonSchema.generate_definitions`` call over all types gives a single set of
definitions with references already pointing at ``#/components/schemas/...``: nested models
are hoisted (no per-schema ``$defs``), a model shared by several messages is defined once, and
two different models with the same name get distinct, deterministic keys. Our naming
(:class:`_Naming`) tries, in order: the class name, its qualified name (``Outer__Name``), the
module-qualified name, then Pydantic's own numbered fallbacks; never an ``id()``. A camelCase
twin (``camelize`` consumers) documented next to its snake_case original is named
``<Name>Camel``. The result is then adjusted to the AsyncAPI Schema dialect, a superset of
JSON Schema Draft 07.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import CoreModeRef, DefsRef, GenerateJsonSchema

__all__ = ["SCHEMA_PREFIX", "Mode", "SchemaSet", "models", "to_draft7"]

SCHEMA_PREFIX = "#/components/schemas/"
Mode = Literal["validation", "serialization"]
_SAFE = re.compile(r"[^A-Za-z0-9.\-_]")
_PLAIN_REF = re.compile(r"[^\[\],]+:(\d+)")  # one class, not a parametrized generic
_MODE_TITLE = {"validation": "Input", "serialization": "Output"}


def models(tp: Any, found: dict[int, type[BaseModel]]) -> None:
    """Collect every model class reachable from ``tp`` through field annotations."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if id(tp) not in found:
            found[id(tp)] = tp
            for info in tp.model_fields.values():
                models(info.annotation, found)
        return
    for arg in get_args(tp):
        models(arg, found)


def _twin_of(cls: type[BaseModel]) -> type | None:
    """The original of a camelCase twin (a same-named direct subclass with an alias generator)."""
    base = cls.__bases__[0] if cls.__bases__ else None
    if (
        base is not None
        and base.__name__ == cls.__name__
        and base.__module__ == cls.__module__
        and cls.model_config.get("alias_generator") is not None
        and "alias_generator" not in getattr(base, "model_config", {})
    ):
        return base
    return None


class _Naming(GenerateJsonSchema):
    """Pydantic's generator with readable, deterministic definition names (see module doc)."""

    classes: dict[int, type[BaseModel]] = {}

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        result = super().get_defs_ref(core_mode_ref)
        match = _PLAIN_REF.fullmatch(core_mode_ref[0])
        cls = self.classes.get(int(match.group(1))) if match else None
        # Pydantic keeps the candidate names in a private map; without it, keep its naming.
        known: Any = getattr(self, "_prioritized_defsref_choices", None)
        if cls is None or not isinstance(known, dict) or result not in known:
            return result
        original = _twin_of(cls)
        suffix = "Camel" if original is not None and id(original) in self.classes else ""
        short = self.normalize_name(cls.__name__) + suffix
        qualified = self.normalize_name(cls.__qualname__.replace("<locals>", "locals")) + suffix
        module = self.normalize_name(f"{cls.__module__}.{cls.__qualname__}") + suffix
        mode = _MODE_TITLE[core_mode_ref[1]]
        ours = [short, qualified, module, f"{short}-{mode}", f"{module}-{mode}"]
        fallback = known[result][-2:]  # Pydantic's numbered names: unique per class
        choices = [DefsRef(c) for c in dict.fromkeys([*ours, *fallback])]
        known[result] = choices
        return result


_DATA = frozenset({"const", "default", "enum", "examples", "example"})
_NAME_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependencies"})


def to_draft7(schema: Any) -> Any:
    """Rewrite, in place, the 2020-12 keywords Pydantic emits into Draft 07 / AsyncAPI forms.

    ``prefixItems`` (tuples) becomes an ``items`` array plus ``additionalItems``; an OpenAPI
    style ``discriminator`` object becomes the AsyncAPI string form (the property name).
    Literal data (``default``, ``examples``...) and property names are left alone. Returns
    ``schema``.
    """
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if "prefixItems" in node:
            rest = node.pop("items", None)
            node["items"] = node.pop("prefixItems")
            node["additionalItems"] = rest if rest is not None else True
        disc = node.get("discriminator")
        if isinstance(disc, dict) and "propertyName" in disc:
            node["discriminator"] = disc["propertyName"]
        for key, value in node.items():
            if key in _NAME_MAPS and isinstance(value, dict):
                stack.extend(value.values())
            elif key not in _DATA and isinstance(value, dict | list):
                stack.append(value)
    return schema


class SchemaSet:
    """Collects ``(type, mode)`` pairs, then renders all of them together with :meth:`build`."""

    def __init__(self) -> None:
        self._inputs: dict[tuple[Any, Mode], str] = {}
        self.refs: dict[tuple[Any, Mode], str] = {}
        self.schemas: dict[str, dict[str, Any]] = {}

    def add(self, tp: Any, mode: Mode, fallback_name: str) -> tuple[Any, Mode]:
        """Register ``tp``; ``fallback_name`` names it when it is not a model."""
        key = (tp, mode)
        self._inputs.setdefault(key, fallback_name)
        return key

    def build(self) -> None:
        """Render every registered type; fills :attr:`schemas` and :attr:`refs`."""
        generator = _Naming(by_alias=True, ref_template=SCHEMA_PREFIX + "{model}")
        generator.classes = {}
        for tp, _mode in self._inputs:
            models(tp, generator.classes)
        inputs = [(key, key[1], _core_schema(key[0])) for key in self._inputs]
        rendered, defs = generator.generate_definitions(inputs)
        self.schemas = {name: to_draft7(schema) for name, schema in defs.items()}
        for key, fallback in self._inputs.items():
            schema = rendered[(key, key[1])]
            ref = schema.get("$ref") if len(schema) == 1 else None
            if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
                self.refs[key] = ref.removeprefix(SCHEMA_PREFIX)
                continue
            schema = to_draft7(schema)
            name = self._free_name(_SAFE.sub("_", fallback), schema)
            self.schemas[name] = schema
            self.refs[key] = name
        self.schemas = dict(sorted(self.schemas.items()))

    def _free_name(self, base: str, schema: dict[str, Any]) -> str:
        name, n = base, 1
        while name in self.schemas and self.schemas[name] != schema:
            n += 1
            name = f"{base}{n}"
        return name


def _core_schema(tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp.__pydantic_core_schema__
    return TypeAdapter(tp).core_schema
