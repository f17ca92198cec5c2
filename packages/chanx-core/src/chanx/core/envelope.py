"""The envelope keys of client frames that chanx reads and writes next to a message's fields.

A client may put a correlation id, ``ref``, on a frame, and every frame the server writes while
handling it (reply, errors, completion, the handler's own ``send_message`` calls) carries the
same ``ref`` back, with the envelope version (``"version": 1``) beside it. Broadcasts and event
output never carry one: they answer no frame.

Topic frames (:mod:`chanx.core.topic`) also carry ``version`` and ``topic``, and topic pushes a
``seq``: :class:`Envelope` validates those keys, :class:`TopicErrorReason` names the ways a
topic frame can be refused.
"""

from __future__ import annotations

import enum
import json
from contextvars import ContextVar
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from chanx.constants import ENVELOPE_FIELDS

__all__ = [
    "ENVELOPE_FIELDS",
    "ENVELOPE_VERSION",
    "MAX_REF_LENGTH",
    "MAX_TOPIC_LENGTH",
    "Envelope",
    "Ref",
    "TopicErrorReason",
    "current_ref",
    "frame_ref",
    "with_ref",
]

#: Version written in the envelope of frames that carry envelope keys.
ENVELOPE_VERSION = 1

#: A ``ref`` is an id: a string of at most this many characters, or an integer.
MAX_REF_LENGTH = 128

#: A topic string (``room:5``) is at most this many characters.
MAX_TOPIC_LENGTH = 512

Ref = str | int


class Envelope(BaseModel):
    """The envelope keys of a client frame, validated before the message itself.

    ``seq`` is only ever written by the server; a client's is ignored.
    """

    model_config = ConfigDict(extra="ignore")

    version: StrictInt = ENVELOPE_VERSION
    topic: Annotated[StrictStr, Field(max_length=MAX_TOPIC_LENGTH)] | None = None
    ref: Annotated[StrictStr, Field(max_length=MAX_REF_LENGTH)] | StrictInt | None = None
    seq: Any = None


class TopicErrorReason(enum.StrEnum):
    """``payload.reason`` of a topic error frame."""

    #: No topic class of the consumer matches the topic string.
    UNKNOWN_TOPIC = "unknown_topic"
    #: The topic's ``authorize`` refused the subscription (or failed).
    UNAUTHORIZED = "unauthorized"
    #: A frame for a topic this connection is not subscribed to.
    NOT_SUBSCRIBED = "not_subscribed"
    #: The connection already holds ``max_topics`` subscriptions.
    TOO_MANY_TOPICS = "too_many_topics"


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
