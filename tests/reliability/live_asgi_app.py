"""FastAPI app for the live-connection tests: graceful shutdown and authentication expiry.

``/ws/work``
    :class:`WorkConsumer`: ``work`` frames take ``ms`` milliseconds, then answer with their
    ``n``; each start is recorded (:func:`live_messages.record_start`), so a test can
    check that every handler that started delivered its reply.
``/ws/expiring``
    :class:`ExpiringConsumer`: ``?token=`` from :data:`TOKENS`, each valid for its seconds;
    ``auth_refresh`` with ``{"query": {"token": ...}}`` extends it.

Run with ``uvicorn live_asgi_app:app``.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI
from live_messages import WorkDone, WorkMessage, record_start

from chanx.core import BaseAuthenticator, ws_handler
from chanx.core.authenticator import Credential
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages import PingMessage, PongMessage

#: token -> (user, seconds of validity)
TOKENS = {"short": ("alice", 1.0), "long": ("alice", 600.0), "mallory": ("mallory", 600.0)}


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

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


setup_layers(None)
app = FastAPI()
app.add_api_websocket_route("/ws/work", WorkConsumer.as_asgi())
app.add_api_websocket_route("/ws/expiring", ExpiringConsumer.as_asgi())
