"""FastAPI app for the live-connection tests: graceful shutdown and authentication expiry.

``/ws/work``
    :class:`WorkConsumer`: ``work`` frames take ``ms`` milliseconds, then answer with their
    ``n``; each start is recorded (:func:`live_messages.record_start`), so a test can
    check that every handler that started delivered its reply.
``/ws/expiring``
    :class:`ExpiringConsumer`: ``?token=`` from :data:`TOKENS`, each valid for its seconds;
    ``auth_refresh`` with ``{"query": {"token": ...}}`` extends it; ``admin`` frames are for
    user ``root`` only (a per-handler permission).

Run with ``uvicorn live_asgi_app:app``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar, Literal

from fastapi import FastAPI
from live_messages import WorkDone, WorkMessage, record_start
from pydantic import BaseModel, Field

from chanx.core import BaseAuthenticator, ws_handler
from chanx.core.authenticator import Credential
from chanx.core.permissions import BasePermission
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages import BaseMessage, PingMessage, PongMessage

#: token -> (user, seconds of validity)
TOKENS = {
    "short": ("alice", 1.0),
    "long": ("alice", 600.0),
    "mallory": ("mallory", 600.0),
    "root": ("root", 600.0),
}


class AdminMessage(BaseMessage):
    """Only ``root`` may send it (``@ws_handler(permission_classes=[IsRoot])``)."""

    action: Literal["admin"] = "admin"
    payload: str = Field(default="", max_length=100)


class IsRoot(BasePermission):
    message = "Only root may do this."

    def has_permission(self, consumer: Any, message: BaseModel) -> bool:
        return bool(consumer.user == "root")


class WorkConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None
    shutdown_timeout = 5.0

    @ws_handler
    async def handle_work(self, message: WorkMessage) -> WorkDone:
        record_start(message.payload.n)
        await asyncio.sleep(message.payload.ms / 1000)  # the in-flight work a deploy must finish
        return WorkDone(payload=message.payload.n)


class ExpiringAuthenticator(BaseAuthenticator):
    credentials = [Credential("token", "query")]

    async def authenticate(self) -> bool:
        found = TOKENS.get(self.get_query_param("token") or "")
        if found is None:
            self.detail = "Invalid token"
            return False
        self.user, ttl = found
        self.expires_at = time.time() + ttl
        return True


class ExpiringConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None
    authenticator_class = ExpiringAuthenticator
    #: Runs of the guarded handler in this process (the security tests expect none).
    admin_runs: ClassVar[int] = 0

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(permission_classes=[IsRoot])
    async def handle_admin(self, message: AdminMessage) -> PongMessage:
        type(self).admin_runs += 1
        return PongMessage()


app = FastAPI()
app.add_api_websocket_route("/ws/work", WorkConsumer.as_asgi())
app.add_api_websocket_route("/ws/expiring", ExpiringConsumer.as_asgi())
