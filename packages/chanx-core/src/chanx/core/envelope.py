"""The envelope keys of client frames that chanx reads and writes next to a message's fields.

Today that is ``ref``: a client may put a correlation id on a frame, and every frame the server
writes while handling it (reply, errors, completion, the handler's own ``send_message`` calls)
carries the same ``ref`` back, with the envelope version (``"version": 1``) beside it.
Broadcasts and event output never carry one: they answer no frame.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

__all__ = ["ENVELOPE_VERSION", "MAX_REF_LENGTH", "Ref", "current_ref", "frame_ref", "with_ref"]

#: Version written in the envelope of frames that carry envelope keys.
ENVELOPE_VERSION = 1

#: A ``ref`` is an id: a string of at most this many characters, or an integer.
MAX_REF_LENGTH = 128

Ref = str | int

#: ``ref`` of the client frame being handled; replies to it echo it back.
current_ref: ContextVar[Ref | None] = ContextVar("chanx_ref", default=None)


def frame_ref(text: str | None) -> Ref | None:
    """The usable ``ref`` of a raw client frame, or None.

    Frames without the substring ``"ref"`` cost one substring search and are never parsed.
    Only short strings and integers (not booleans) are echoed: a ref is an id, not a payload.
    """
    if text is None or '"ref"' not in text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    ref = data.get("ref") if isinstance(data, dict) else None
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and len(ref) <= MAX_REF_LENGTH):
        return ref
    return None


def with_ref(text: str, ref: Any) -> str:
    """Splice ``"version"`` and ``"ref"`` into a serialized JSON object without re-encoding it."""
    if ref is None or len(text) < 3:
        return text
    return '{"version":1,"ref":' + json.dumps(ref) + "," + text[1:]
