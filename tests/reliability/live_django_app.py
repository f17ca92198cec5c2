"""Django Channels + DRF twin of :mod:`live_asgi_app`, served by daphne.

Configured in code: SQLite at ``CHANX_LIVE_DB`` (migrated on import, with the users and DRF
tokens of :data:`TOKENS`), the in-memory channel layer. ``/ws/work/`` is the same worker;
``/ws/expiring/`` authenticates with DRF's ``TokenAuthentication`` (``Authorization: Token
<key>``), each token valid for its seconds; ``auth_refresh`` with
``{"headers": {"authorization": "Token <key>"}}`` extends it.

Run with ``PYTHONPATH=tests/reliability daphne live_django_app:application``.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="live-django-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        "rest_framework.authtoken",
        "channels",
    ],
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["CHANX_LIVE_DB"]}
    },
    CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    USE_TZ=True,
)
django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import path  # noqa: E402
from live_messages import WorkDone, WorkMessage, record_start  # noqa: E402
from rest_framework.authentication import TokenAuthentication  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402

from chanx.channels.authenticator import DjangoAuthenticator  # noqa: E402
from chanx.channels.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from chanx.core import ws_handler  # noqa: E402
from chanx.core.authenticator import Credential  # noqa: E402
from chanx.messages import PingMessage, PongMessage  # noqa: E402

#: DRF token key -> (username, seconds of validity). DRF keeps one token per user: alice
#: starts with SHORT; a test rotates her key to LONG in the database (as a token refresh
#: endpoint would) before it sends ``auth_refresh``.
SHORT, LONG, MALLORY = "a" * 40, "b" * 40, "c" * 40
TOKENS = {SHORT: ("alice", 1.0), LONG: ("alice", 600.0), MALLORY: ("mallory", 600.0)}

call_command("migrate", verbosity=0, interactive=False)
for key in (SHORT, MALLORY):
    user, _ = User.objects.get_or_create(username=TOKENS[key][0])
    Token.objects.get_or_create(user=user, defaults={"key": key})


class WorkConsumer(AsyncJsonWebsocketConsumer):
    shutdown_timeout = 5.0

    @ws_handler
    async def handle_work(self, message: WorkMessage) -> WorkDone:
        record_start(message.payload.n)
        await asyncio.sleep(message.payload.ms / 1000)
        return WorkDone(payload=message.payload.n)


class ExpiringTokenAuthenticator(DjangoAuthenticator):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    credentials = [Credential("authorization", "header")]

    async def authenticate(self) -> bool:
        ok = await super().authenticate()
        if ok:
            key = (self.get_header("authorization") or "").removeprefix("Token ")
            self.expires_at = time.time() + TOKENS[key][1]
        return ok


class ExpiringConsumer(AsyncJsonWebsocketConsumer):
    authenticator_class = ExpiringTokenAuthenticator

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


# django-stubs types path() for HTTP views only; Channels routes ASGI apps with it
routes: list[Any] = [
    path("ws/work/", WorkConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/expiring/", ExpiringConsumer.as_asgi()),  # type: ignore[arg-type]
]
application = ProtocolTypeRouter({"websocket": URLRouter(routes)})
