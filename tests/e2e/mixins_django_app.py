"""A minimal Django Channels project for the mixins' end-to-end tests (served by daphne).

Configured in code (no settings module): channels_redis on ``REDIS_URL`` under
``MIXINS_PREFIX``, and the same three mixins as ``mixins_e2e_app`` with the Redis store.
Run with ``PYTHONPATH=tests/e2e daphne mixins_django_app:application``.
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings

REDIS_URL = os.environ["REDIS_URL"]
PREFIX = os.environ.get("MIXINS_PREFIX", "chanx-mixins-e2e")
TTL = float(os.environ.get("PRESENCE_TTL", "1.0"))

settings.configure(
    DEBUG=False,
    SECRET_KEY="mixins-e2e-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    INSTALLED_APPS=["channels"],
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{PREFIX}-layer"},
        }
    },
)
django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from chanx.channels.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from chanx.core.authenticator import BaseAuthenticator  # noqa: E402
from chanx.mixins import PresenceMixin, RateLimitMixin, TypingMixin  # noqa: E402
from chanx.mixins.stores.redis import RedisStore  # noqa: E402


class UserFromQuery(BaseAuthenticator):
    """``?user=name`` is the user."""

    async def authenticate(self) -> bool:
        self.user = self.get_query_param("user")
        return bool(self.user)


class Room(PresenceMixin, TypingMixin, RateLimitMixin, AsyncJsonWebsocketConsumer):
    """All three mixins on the Django binding, state in Redis, short presence TTL."""

    authenticator_class = UserFromQuery
    mixin_store = RedisStore.from_url(REDIS_URL, prefix=f"{PREFIX}:")
    mixin_namespace = "e2e-room"
    presence_ttl = TTL
    presence_heartbeat = TTL / 5


# django-stubs types path() for HTTP views only; Channels routes ASGI apps with it
routes: list[Any] = [path("ws/<str:room>/", Room.as_asgi())]  # type: ignore[arg-type]
application = ProtocolTypeRouter({"websocket": URLRouter(routes)})
