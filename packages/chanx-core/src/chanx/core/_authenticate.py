"""Running a consumer's authenticator before the handshake completes."""

from __future__ import annotations

import inspect
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload

if TYPE_CHECKING:
    from chanx.core.authenticator import BaseAuthenticator
    from chanx.core.consumer import ChanxConsumer

__all__ = ["authenticate_connection"]

logger = logging.getLogger("chanx.auth")

#: Authenticator classes whose ``authenticate`` takes the scope (``authenticate(self, scope)``).
_takes_scope: dict[type, bool] = {}


def _wants_scope(auth_class: type[BaseAuthenticator]) -> bool:
    known = _takes_scope.get(auth_class)
    if known is None:
        params = list(inspect.signature(auth_class.authenticate).parameters.values())[1:]
        known = _takes_scope[auth_class] = bool(params) and params[0].default is params[0].empty
    return known


async def authenticate_connection(consumer: ChanxConsumer[Any]) -> bool:
    """Run ``consumer.authenticator_class``; on failure tell the client why and close.

    Both spellings of the method are accepted: ``authenticate(self)`` and
    ``authenticate(self, scope)``. An exception inside it counts as a failure with status 500
    (logged, never sent). On failure the client gets an ``authentication`` frame with the
    status and ``{"detail": <the authenticator's detail>}``, then a close with code
    ``4000 + status``.
    """
    auth_class = consumer.authenticator_class
    if auth_class is None:
        return True
    auth = auth_class(consumer)
    consumer.authenticator = auth
    try:
        if _wants_scope(auth_class):
            ok = await cast("Any", auth).authenticate(consumer.scope)  # 2.x spelling
        else:
            ok = await auth.authenticate()
    except Exception:
        logger.exception("authenticator %s failed", auth_class.__qualname__)
        ok, auth.status_code, auth.detail = False, 500, "Authentication could not complete"
    if ok:
        consumer.user = auth.user
        return True
    status = auth.status_code if 400 <= auth.status_code <= 599 else 401
    code = 4000 + status
    logger.info(
        "%s refused a connection to %s: status %d, close code %d",
        type(consumer).__qualname__,
        consumer.scope.get("path"),
        status,
        code,
    )
    phrase = HTTPStatus(status).phrase
    payload = AuthenticationPayload(
        status_code=status, status_text=phrase, data={"detail": auth.detail or phrase}
    )
    await consumer.send_message(AuthenticationMessage(payload=payload), ref=None)
    await consumer.close(code=code)
    return False
