"""The Django Channels project of the topic end-to-end tests (daphne, ``PYTHONPATH=tests/e2e``).

The same routes as :mod:`topics_asgi_app`; ``/publish-sync`` is a plain synchronous Django
view, as in a Django project publishing from its views.
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings

REDIS_URL = os.environ.get("REDIS_URL") or None
PREFIX = os.environ.get("TOPICS_PREFIX", "chanx-topics-e2e")

settings.configure(
    DEBUG=False,
    SECRET_KEY="topics-e2e-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    INSTALLED_APPS=["channels"],
    ROOT_URLCONF=__name__,
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{PREFIX}-layer"},
        }
        if REDIS_URL
        else {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"}
    },
)
django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from topics_e2e_common import MAX_TOPICS, TOPICS, Line, RunTopic  # noqa: E402

from chanx.channels.websocket import AsyncJsonWebsocketConsumer  # noqa: E402


class Hub(AsyncJsonWebsocketConsumer):
    topics = list(TOPICS.values())
    max_topics = MAX_TOPICS


@csrf_exempt
def publish_sync(request: HttpRequest) -> JsonResponse:
    topic = request.GET["topic"]
    TOPICS[topic.split(":", 1)[0]].broadcast_sync(topic, Line(payload=request.GET["text"]))
    return JsonResponse({"pid": os.getpid()})


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pid": os.getpid()})


urlpatterns = [path("publish-sync", publish_sync), path("health", health)]
# django-stubs types path() for HTTP views only; Channels routes ASGI apps with it
ws_routes: list[Any] = [
    path("ws", Hub.as_asgi()),  # type: ignore[arg-type]
    path("ws/runs/<str:run_id>", RunTopic.as_consumer().as_asgi()),  # type: ignore[arg-type]
]
application = ProtocolTypeRouter(
    {"http": get_asgi_application(), "websocket": URLRouter(ws_routes)}
)
