"""Running a consumer's authenticator before the handshake completes."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any, cast

from chanx.core._auth_expiry import arm_expiry, expired

if TYPE_CHECKING:
    from chanx.core.authenticator import BaseAuthenticator
    from chanx.core.consumer import ChanxConsumer
    from chanx.core.types import Scope

__all__ = ["authenticate_connection", "run_authenticator"]

logger = logging.getLogger("chanx.auth")

#: Authenticator classes whose ``authenticate`` takes the scope (``authenticate(self, scope)``).
_takes_scope: dict[type, bool] = {}


def _wants_scope(auth_class: type[BaseAuthenticator]) -> bool:
    known = _takes_scope.get(auth_class)
    if known is None:
        params = list(inspect.signature(auth_class.authenticate).parameters.values())[1:]
        known = _takes_scope[auth_class] = bool(params) and params[0].default is params[0].empty
    return known


async def run_authenticator(auth: BaseAuthenticator, scope: Scope) -> bool:
    """Await ``auth.authenticate`` on ``scope``; an exception is a logged failure (500)."""
    auth.scope = scope
    try:
        if _wants_scope(type(auth)):
            ok = await cast("Any", auth).authenticate(scope)  # 2.x spelling
        else:
            ok = await auth.authenticate()
    except Exception:
        logger.exception("authenticator %s failed", type(auth).__qualname__)
        ok, auth.status_code, auth.detail = False, 500, "Authentication could not complete"
    return bool(ok)


async def authenticate_connection(consumer: ChanxConsumer[Any]) -> bool:
    """Run ``consumer.authenticator_class``; on failure tell the client why and close.

    Both spellings of the method are accepted: ``authenticate(self)`` and
    ``authenticate(self, scope)``. An exception inside it counts as a failure with status 500
    (logged, never sent). The authenticator's ``authentication_message`` says what the client
    is told: by default nothing on success and, on failure, an ``authentication`` frame with
    the status and ``{"detail": <the authenticator's detail>}``; a close with code
    ``4000 + status`` follows a failure. Credentials that are already expired
    (``expires_at`` in the past) are a failure (401); a future ``expires_at`` arms the
    connection's expiry (:mod:`chanx.core._auth_expiry`).
    """
    auth_class = consumer.authenticator_class
    if auth_class is None:
        return True
    auth = auth_class(consumer)
    consumer.authenticator = auth
    ok = await run_authenticator(auth, consumer.scope)
    if ok and expired(auth.expires_at):
        ok, auth.status_code, auth.detail = False, 401, "The credentials have expired"
    frame = auth.authentication_message(ok)
    obs = consumer._chanx_telemetry
    if ok:
        consumer.user = auth.user
        arm_expiry(consumer, auth.expires_at)
        consumer._chanx_greeting = frame  # sent first, once the handshake is accepted
        if obs is not None:
            obs.auth_result(consumer, True, None)
        return True
    code = auth.close_code
    if obs is not None:
        obs.auth_result(consumer, False, code)
    logger.info(
        "%s refused a connection to %s: status %d, close code %d",
        type(consumer).__qualname__,
        consumer.scope.get("path"),
        code - 4000,
        code,
    )
    if frame is not None:
        await consumer.send_message(frame, ref=None)
    else:
        await consumer.accept()  # a close code only reaches a client whose handshake completed
    await consumer.close(code=code)
    return False
