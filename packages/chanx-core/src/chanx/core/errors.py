"""Error frames: small, bounded and free of client input.

Every problem with a frame becomes one ``{"action": "error", "payload": [...]}`` frame whose
entries look like Pydantic errors (``type``, ``loc``, ``msg``). Entries never carry the input
(Pydantic's ``input`` and ``ctx`` are dropped, messages that would quote it are replaced) and
their number and length are capped, so a huge or hostile frame cannot produce a huge answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json

__all__ = [
    "MAX_ERROR_ENTRIES",
    "error_entry",
    "error_frame",
    "validation_error_entries",
]

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


def validation_error_entries(exc: ValidationError, discriminator: str) -> list[dict[str, Any]]:
    """Turn a Pydantic ``ValidationError`` into bounded, input-free error entries."""
    raw = exc.errors(include_url=False, include_context=False, include_input=False)
    entries: list[dict[str, Any]] = []
    for err in raw[:MAX_ERROR_ENTRIES]:
        kind = err["type"]
        msg = _FIXED_MESSAGES.get(kind, err["msg"])
        if kind == "union_tag_not_found":
            msg = f"Missing discriminator: the frame has no {discriminator!r} field"
        loc: list[str | int] = [
            item if isinstance(item, int) else str(item)[:_MAX_LOC_ITEM] for item in err["loc"]
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
