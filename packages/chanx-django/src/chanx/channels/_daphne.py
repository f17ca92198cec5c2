"""daphne glue: close codes its WebSocket library refuses from applications.

daphne hands an application's ``websocket.close`` to autobahn's ``sendClose``, which accepts
only 1000 and 3000-4999 (daphne issue 374, autobahn-python issue 1642), so an application
cannot close with 1012 ("service restart", sent by a graceful shutdown) or 1001: the close
raises and the client sees the TCP connection drop (1006). The protocol's lower-level
``sendCloseFrame`` writes any valid code; daphne passes it as ``send``'s bound argument
(``functools.partial(server.handle_reply, protocol)``), which is how it is found here.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["daphne_protocol", "refused_by_daphne"]


def refused_by_daphne(code: int) -> bool:
    """Whether autobahn's ``sendClose`` would refuse ``code`` from an application."""
    return code != 1000 and not 3000 <= code <= 4999


def daphne_protocol(send: Any) -> Any | None:
    """The daphne WebSocket protocol behind an ASGI ``send``, or None for other servers."""
    if not isinstance(send, functools.partial) or not send.args:
        return None
    owner = getattr(send.func, "__self__", None)
    if type(owner).__module__ != "daphne.server":
        return None
    protocol = send.args[0]
    return protocol if callable(getattr(protocol, "sendCloseFrame", None)) else None
