"""``auth_refresh`` frames: authenticate an open connection again, with new credentials.

Every consumer with an ``authenticator_class`` understands the frame (one substring test per
frame claims it; nothing else runs for other frames). The frame's credentials replace those
of the handshake by name, only for credentials the authenticator declares in ``credentials``
(a refresh can never set a header a trusted proxy would, say); then a new authenticator runs
on the result, exactly as at the handshake. Outcomes:

* invalid frame, or a credential the authenticator does not declare: one bounded error frame,
  authentication is not re-run, the connection stays open;
* accepted, for the same user (:meth:`~chanx.core.authenticator.BaseAuthenticator.same_identity`):
  an ``authentication`` frame with status 200 and the new ``expires_at``, the expiry re-armed;
* refused (or another user, 403): the refusal's ``authentication`` frame, then a close with
  ``4000 + status`` as at the handshake.
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from pydantic import TypeAdapter, ValidationError

from chanx.constants import AUTH_REFRESH_ACTION
from chanx.core._auth_expiry import arm_expiry, auth_outcome, deadline, expired
from chanx.core._authenticate import run_authenticator
from chanx.core.envelope import frame_ref, with_ref
from chanx.core.errors import error_entry, error_frame, schema_names, validation_error_entries
from chanx.messages.incoming import AuthRefreshMessage, AuthRefreshPayload

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxConsumer
    from chanx.core.types import Scope

__all__ = ["MARKER", "refresh_authentication", "with_credentials"]

logger = logging.getLogger("chanx.auth")

#: The text every refresh frame contains (the cheap pre-test on the receive path).
MARKER = f'"{AUTH_REFRESH_ACTION}"'

_REFRESH: TypeAdapter[AuthRefreshMessage] = TypeAdapter(AuthRefreshMessage)
_KNOWN = schema_names((AuthRefreshMessage,))
_LOCATIONS = ("query", "headers", "cookies")
_DECLARED = {"query": "query", "headers": "header", "cookies": "cookie"}


def _is_refresh(exc: ValidationError) -> bool:
    """Whether a frame that failed validation still is a refresh (only its payload is bad)."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return all(err["loc"][:1] == ("payload",) for err in errors)


def _undeclared(auth_class: type[Any], payload: AuthRefreshPayload) -> list[dict[str, Any]]:
    declared = {(c.location, c.name.lower()) for c in getattr(auth_class, "credentials", ())}
    entries = []
    for location in _LOCATIONS:
        names = getattr(payload, location)
        kind = _DECLARED[location]
        if any((kind, name.lower()) not in declared for name in names):
            entries.append(
                error_entry(
                    "credential_not_accepted",
                    "A refresh may only replace the credentials the authenticator declares",
                    ["payload", location, "*"],
                )
            )
    return entries


def with_credentials(scope: Scope, payload: AuthRefreshPayload) -> Scope:
    """A copy of ``scope`` whose query, headers and cookies carry ``payload``'s credentials."""
    new: dict[str, Any] = dict(scope)
    if payload.query:
        raw = scope.get("query_string", b"")
        text = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
        pairs = [(k, v) for k, v in parse_qsl(text, keep_blank_values=True)]
        pairs = [(k, v) for k, v in pairs if k not in payload.query]
        pairs.extend(payload.query.items())
        new["query_string"] = urlencode(pairs).encode("ascii")
    headers = {k.lower(): v for k, v in payload.headers.items()}
    if payload.cookies:
        cookies = _cookies(scope)
        cookies.update(payload.cookies)
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if "cookies" in scope:  # Channels' CookieMiddleware parsed them already
            new["cookies"] = {**scope["cookies"], **payload.cookies}
    if headers:
        kept = [(n, v) for n, v in scope.get("headers", ()) if n.decode("latin-1") not in headers]
        kept.extend(
            (n.encode("latin-1", "replace"), v.encode("latin-1", "replace"))
            for n, v in headers.items()
        )
        new["headers"] = kept
    return new


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


async def refresh_authentication(consumer: ChanxConsumer[Any], text: str) -> bool:
    """Handle ``text`` when it is an ``auth_refresh`` frame; False when it is not one."""
    try:
        message = _REFRESH.validate_json(text)
    except ValidationError as exc:
        if not _is_refresh(exc):
            return False  # another frame that merely contains the marker: route it as usual
        entries = validation_error_entries(exc, "action", _KNOWN)
        await consumer.send_text(with_ref(error_frame(entries), _ref(text)))
        return True
    ref = _ref(text)
    auth_class = consumer.authenticator_class
    assert auth_class is not None  # claimed only by consumers with an authenticator
    refused = _undeclared(auth_class, message.payload)
    if refused:
        await consumer.send_text(with_ref(error_frame(refused), ref))
        return True
    auth = auth_class(consumer)
    ok = await run_authenticator(auth, with_credentials(consumer.scope, message.payload))
    # refusals decided here, after the authenticator accepted: (status, detail)
    veto: tuple[int, str] | None = None
    if ok and not auth.same_identity(consumer.user, auth.user):
        veto = (403, "The credentials belong to another user")
    elif ok and expired(auth.expires_at):
        veto = (401, "The credentials have expired")
    if ok and veto is None:
        consumer.authenticator = auth
        consumer.user = auth.user
        arm_expiry(consumer, auth.expires_at)
        data = {"detail": "Authentication refreshed", "expires_at": deadline(auth.expires_at)}
        await consumer.send_message(auth_outcome(200, data), ref=ref)
        return True
    if veto is not None:
        auth.status_code, auth.detail = veto
    code = auth.close_code
    logger.info(
        "%s refused the refresh of a connection to %s: close code %d",
        type(consumer).__qualname__,
        consumer.scope.get("path"),
        code,
    )
    frame = (
        auth_outcome(veto[0], {"detail": veto[1]})
        if veto is not None
        else auth.authentication_message(False)
    )
    if frame is not None:
        await consumer.send_message(frame, ref=ref)
    await consumer.close(code=code)
    return True


def _ref(text: str) -> Any:
    return frame_ref(text) if '"ref"' in text else None
