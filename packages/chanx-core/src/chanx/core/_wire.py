"""Small text-level helpers of the hot path."""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

#: ``ref`` of the client frame being handled; replies to it echo it back.
current_ref: ContextVar[str | int | None] = ContextVar("chanx_ref", default=None)

_MAX_REF = 128


def extract_ref(text: str) -> str | int | None:
    """The client's correlation ``ref`` of a frame, if it has a usable one.

    Called only when the raw text contains ``"ref"``, so ordinary frames pay one substring
    search. Only short strings and integers are echoed: a ref is an id, not a payload.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    ref = data.get("ref") if isinstance(data, dict) else None
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and len(ref) <= _MAX_REF):
        return ref
    return None


def with_ref(text: str, ref: Any) -> str:
    """Splice ``"ref"`` into an already serialized JSON object without re-encoding it."""
    if ref is None or len(text) < 3:
        return text
    return '{"ref":' + json.dumps(ref) + "," + text[1:]
