"""Typed errors of the client runtime, and which close codes are worth a reconnect.

Close codes ``4000 + status`` come from the server's authenticator: 4401 and 4403 mean the
credentials are wrong, so reconnecting with the same ones cannot help; every other 44xx is a
client-side mistake too. Abnormal closes (1006), server restarts (1001, 1012) and 45xx are
transient and retried under the backoff policy.
"""

from __future__ import annotations

from typing import Any

from chanx.client.wire import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED

__all__ = [
    "AuthError",
    "ChanxClientError",
    "ClientClosedError",
    "ConnectionClosedError",
    "ForbiddenError",
    "NoReplyError",
    "QueueFullError",
    "ReconnectGaveUpError",
    "RejectedError",
    "RequestError",
    "UnauthenticatedError",
    "UnexpectedReplyError",
    "error_for_close",
    "error_for_status",
    "is_retryable",
]

#: Standard close codes that say the frames themselves were wrong: retrying repeats the fault.
_PERMANENT_STANDARD = frozenset({1002, 1003, 1007, 1008, 1009, 1010})


class ChanxClientError(Exception):
    """Base of every error the client runtime raises."""


class ConnectionClosedError(ChanxClientError):
    """The server closed the connection (or it dropped) with ``code``."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"connection closed with code {code}" + (f": {reason}" if reason else ""))

    @property
    def retryable(self) -> bool:
        """Whether reconnecting can help (False for auth failures and protocol errors)."""
        return is_retryable(self.code)


class AuthError(ConnectionClosedError):
    """Authentication failed (close 4401/4403, or HTTP 401/403 at the handshake). Never retried."""


class UnauthenticatedError(AuthError):
    """The server did not accept the credentials (4401)."""


class ForbiddenError(AuthError):
    """The credentials are valid but not allowed here (4403)."""


class RejectedError(ConnectionClosedError):
    """Another 44xx close or 4xx handshake status: a client-side problem, not retried."""


class ReconnectGaveUpError(ChanxClientError):
    """The reconnect policy's retry limit was reached; ``last_error`` is the final failure."""

    def __init__(self, attempts: int, last_error: BaseException | None) -> None:
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(f"gave up reconnecting after {attempts} attempts: {last_error!r}")


class QueueFullError(ChanxClientError):
    """The queue of frames waiting for a connection is full; the frame was not accepted."""


class ClientClosedError(ChanxClientError):
    """The client was closed (``disconnect()``) or gave up; nothing more can be sent."""


class RequestError(ChanxClientError):
    """The server answered a request with an ``error`` frame; ``payload`` is its payload."""

    def __init__(self, action: str, payload: Any) -> None:
        self.action = action
        self.payload = payload
        super().__init__(f"server answered {action!r}: {payload!r}")


class NoReplyError(ChanxClientError):
    """The server completed a request without replying to it (a completion frame came first)."""


def is_retryable(code: int | None) -> bool:
    """Whether a connection closed with ``code`` should be re-established."""
    if code is None:
        return True
    if 4400 <= code < 4500:
        return False
    return code not in _PERMANENT_STANDARD


def error_for_close(code: int | None, reason: str = "") -> ConnectionClosedError:
    """The typed error for a close code (auth codes get their own classes)."""
    if code == CLOSE_UNAUTHENTICATED:
        return UnauthenticatedError(code, reason)
    if code == CLOSE_FORBIDDEN:
        return ForbiddenError(code, reason)
    if code is not None and 4400 <= code < 4500:
        return RejectedError(code, reason)
    return ConnectionClosedError(code, reason)


def error_for_status(status: int) -> ConnectionClosedError:
    """The typed error for an HTTP status refusing the WebSocket handshake."""
    if status == 401:
        return UnauthenticatedError(CLOSE_UNAUTHENTICATED, f"HTTP {status}")
    if status == 403:
        return ForbiddenError(CLOSE_FORBIDDEN, f"HTTP {status}")
    if 400 <= status < 500:
        return RejectedError(4000 + status, f"HTTP {status}")
    return ConnectionClosedError(None, f"HTTP {status}")


class UnexpectedReplyError(ChanxClientError):
    """A request's reply is a valid message, but not one its operation declares."""

    def __init__(self, reply: object) -> None:
        self.reply = reply
        super().__init__(f"unexpected reply {type(reply).__name__}")
