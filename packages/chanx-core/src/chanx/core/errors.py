"""Error frames: small, bounded and free of client input.

A frame that cannot be validated becomes one ``{"action": "error", "payload": [...]}`` frame
whose entries look like Pydantic errors (``type``, ``loc``, ``msg``); a frame whose handler
failed gets ``{"action": "error", "payload": {"detail": ...}}`` (:func:`detail_frame`).
Entries never carry the input
(Pydantic's ``input`` and ``ctx`` are dropped, messages that would quote it are replaced) and
their number and length are capped, so a huge or hostile frame cannot produce a huge answer.

Locations (``loc``) are paths of field names, but Pydantic also puts the client's own dict keys
there (``["payload", "meta", "<key>"]`` for a ``dict[str, int]`` field): with the consumer's
known names (:func:`schema_names`), any other string in a location becomes ``"*"``.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

__all__ = [
    "ERROR_FRAME_PREFIX",
    "MAX_ERROR_ENTRIES",
    "detail_frame",
    "error_entry",
    "error_frame",
    "failure_frame",
    "schema_names",
    "validation_error_entries",
]

#: How the text of every error frame chanx builds starts (a cheap "is this an error?" test).
ERROR_FRAME_PREFIX = '{"action":"error"'
#: At most this many entries per error frame; the rest are summarised in one entry.
MAX_ERROR_ENTRIES = 10
_MAX_MSG = 200
_MAX_LOC_ITEM = 64

# Pydantic messages that quote the offending value, replaced by fixed text.
_FIXED_MESSAGES = {
    "union_tag_invalid": "Unknown action: no handler accepts this discriminator value",
    "union_tag_not_found": "Missing discriminator: the frame has no action field",
    "model_type": "Input should be a JSON object",
    "model_attributes_type": "Input should be a JSON object",
    "dict_type": "Input should be a JSON object",
}


def error_entry(
    type_: str, msg: str, loc: list[str | int] | None = None, **extra: Any
) -> dict[str, Any]:
    """Build one error entry."""
    entry: dict[str, Any] = {"type": type_, "loc": loc or [], "msg": msg}
    entry.update(extra)
    return entry


def _collect(annotation: Any, names: set[str], seen: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, info in annotation.model_fields.items():
            names.add(name)
            for alias in (info.alias, info.validation_alias):
                if isinstance(alias, str):
                    names.add(alias)
            if typing.get_origin(info.annotation) is typing.Literal:
                names.update(str(v) for v in typing.get_args(info.annotation))
            _collect(info.annotation, names, seen)
        return
    for arg in typing.get_args(annotation):
        _collect(arg, names, seen)


@functools.lru_cache(maxsize=512)
def schema_names(models: Iterable[type[BaseModel]]) -> frozenset[str]:
    """Every field name, alias and literal value reachable from ``models`` (a hashable tuple).

    These are the only strings an error location may show; the rest came from the client.
    """
    names: set[str] = set()
    seen: set[type] = set()
    for model in models:
        _collect(model, names, seen)
    return frozenset(names)


def validation_error_entries(
    exc: ValidationError, discriminator: str, known: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """Turn a Pydantic ``ValidationError`` into bounded, input-free error entries.

    With ``known`` (see :func:`schema_names`), location items that are not known names (the
    client's dict keys) are replaced by ``"*"``.
    """
    raw = exc.errors(include_url=False, include_context=False, include_input=False)
    entries: list[dict[str, Any]] = []
    for err in raw[:MAX_ERROR_ENTRIES]:
        kind = err["type"]
        msg = _FIXED_MESSAGES.get(kind, err["msg"])
        if kind == "union_tag_not_found":
            msg = f"Missing discriminator: the frame has no {discriminator!r} field"
        loc: list[str | int] = [
            item
            if isinstance(item, int)
            else str(item)[:_MAX_LOC_ITEM]
            if known is None or item in known
            else "*"
            for item in err["loc"]
        ]
        if kind in ("union_tag_invalid", "union_tag_not_found") and not loc:
            loc = [discriminator]
        entries.append(error_entry(kind, msg[:_MAX_MSG], loc))
    if len(raw) > MAX_ERROR_ENTRIES:
        entries.append(
            error_entry("too_many_errors", f"{len(raw) - MAX_ERROR_ENTRIES} more errors omitted")
        )
    return entries


def error_frame(entries: list[dict[str, Any]]) -> str:
    """Serialize an error frame once."""
    return to_json({"action": "error", "payload": entries}).decode()


def detail_frame(detail: str) -> str:
    """Serialize an error frame whose payload is ``{"detail": detail}`` (handler failures)."""
    return to_json({"action": "error", "payload": {"detail": detail}}).decode()


def failure_frame(action: str) -> str:
    """The error frame of a failed handler of ``action`` (a declared action, never client text)."""
    return detail_frame(f"Failed to process message for {action}")
