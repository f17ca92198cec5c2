"""Names and limits of the chanx wire protocol, shared by servers, clients and tests.

The completion actions are the ``stop_action`` values of
:meth:`~chanx.core.testing.communicator.WebsocketCommunicatorMixin.receive_all_messages`:
``complete`` ends the reply to a client frame, ``group_complete`` follows each relayed
``broadcast_message``, ``event_complete`` follows each handled channel event.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "AUTH_REFRESH_ACTION",
    "CHANX_ACTIONS",
    "CLOSE_AUTH_EXPIRED",
    "CLOSE_SERVICE_RESTART",
    "CLOSE_UNAUTHENTICATED",
    "COMPLETE_ACTIONS",
    "COMPLETE_ACTIONS_TYPE",
    "ENVELOPE_FIELDS",
    "ENVELOPE_VERSION",
    "EVENT_ACTION_COMPLETE",
    "GROUP_ACTION_COMPLETE",
    "MAX_GROUP_NAME_LENGTH",
    "MESSAGE_ACTION_COMPLETE",
]

#: Action of the frame written after the server finished with a client frame.
MESSAGE_ACTION_COMPLETE: Final = "complete"
#: Action of the frame written after each relayed group broadcast.
GROUP_ACTION_COMPLETE: Final = "group_complete"
#: Action of the frame written after each channel event reached an event handler.
EVENT_ACTION_COMPLETE: Final = "event_complete"

#: The three completion actions as a type.
COMPLETE_ACTIONS_TYPE = Literal["complete", "group_complete", "event_complete"]
#: The three completion actions.
COMPLETE_ACTIONS: Final[frozenset[str]] = frozenset(
    {MESSAGE_ACTION_COMPLETE, GROUP_ACTION_COMPLETE, EVENT_ACTION_COMPLETE}
)
#: Actions chanx itself writes, whatever the consumer declares: completions and ``error``.
CHANX_ACTIONS: Final[frozenset[str]] = COMPLETE_ACTIONS | {"error"}

#: Keys a frame may carry next to ``action``/``payload``; removed before validation.
ENVELOPE_FIELDS: Final[frozenset[str]] = frozenset({"version", "topic", "ref", "seq"})
#: The envelope ``version`` the server writes.
ENVELOPE_VERSION: Final = 1

#: Longest channel-layer group name (the Channels limit is under 100 characters).
MAX_GROUP_NAME_LENGTH: Final = 99
#: Close code of a connection whose authentication failed without an HTTP error status.
CLOSE_UNAUTHENTICATED: Final = 4401

#: Close code of a connection whose authentication expired without a refresh
#: (``4000 +`` the 440 "login time-out" status; the server sends an ``authentication`` frame
#: with status 401 first). A client reconnects with fresh credentials.
CLOSE_AUTH_EXPIRED: Final = 4440
#: Action of the frame a client sends to refresh its authentication on an open connection
#: (:class:`chanx.messages.AuthRefreshMessage`); the server answers with an
#: ``authentication`` frame.
AUTH_REFRESH_ACTION: Final = "auth_refresh"
#: Close code of connections the server closes because it shuts down or restarts (RFC 6455
#: 1012, "service restart"): the client should reconnect, to another server if it can.
CLOSE_SERVICE_RESTART: Final = 1012
