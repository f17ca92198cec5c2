"""Names of the envelope fields and protocol actions the client runtime reads and writes.

Every wire name the runtime depends on is here, so a server-side rename is a one-line change.
The topic recovery fields (``payload: {seq, epoch}`` on subscribe; ``recovered``, ``epoch`` and
``seq`` in the ``subscribed`` payload; ``seq`` on pushes) are additive to the documented topic
frames.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTION",
    "CLOSE_FORBIDDEN",
    "CLOSE_UNAUTHENTICATED",
    "COMPLETE_ACTIONS",
    "ENVELOPE_VERSION",
    "EPOCH",
    "ERROR",
    "PAYLOAD",
    "RECOVERED",
    "REF",
    "SEQ",
    "SUBSCRIBE",
    "SUBSCRIBED",
    "TOPIC",
    "UNSUBSCRIBE",
    "UNSUBSCRIBED",
    "VERSION",
]

#: Discriminator of chanx frames unless the schema names another one.
ACTION: Final = "action"
#: Correlation id the client puts on a request; the server echoes it on every reply frame.
REF: Final = "ref"
#: The topic a frame belongs to (absent: the connection's own consumer).
TOPIC: Final = "topic"
#: A frame's message body; a subscribe's carries the recovery position (``seq``/``epoch``).
PAYLOAD: Final = "payload"
#: Sequence number of a topic push (assigned by the server on topics with recovery).
SEQ: Final = "seq"
#: Identity of a topic's sequence (a new epoch restarts ``seq``).
EPOCH: Final = "epoch"
#: Key of the ``subscribed`` reply payload saying whether missed pushes were replayed.
RECOVERED: Final = "recovered"
#: Envelope version the runtime writes on topic frames.
VERSION: Final = "version"
ENVELOPE_VERSION: Final = 1

SUBSCRIBE: Final = "subscribe"
SUBSCRIBED: Final = "subscribed"
UNSUBSCRIBE: Final = "unsubscribe"
UNSUBSCRIBED: Final = "unsubscribed"
ERROR: Final = "error"
#: Completion frames: they close a request that had no reply instead of resolving it.
COMPLETE_ACTIONS: Final = frozenset({"complete", "group_complete", "event_complete"})

#: Close codes the server uses for a failed authentication (``4000 + HTTP status``).
CLOSE_UNAUTHENTICATED: Final = 4401
CLOSE_FORBIDDEN: Final = 4403
