"""Helpers shared by the chanx-django tests (data, Redis layer settings, subprocess env)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.test import override_settings
from django.urls import path

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples" / "django_chat"


def ws_route(route: str, app: Any) -> Any:
    """``django.urls.path`` for a WebSocket consumer app (the stubs expect HTTP views)."""
    return path(route, app)


def unique(prefix: str) -> str:
    """A name no other test (or concurrent run) uses."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def make_user(**fields: Any) -> Any:
    """A user with a unique name (sync: call from fixtures or through sync_to_async)."""
    from django.contrib.auth import get_user_model

    manager: Any = get_user_model().objects
    return manager.create_user(unique("user"), **fields)


def make_room(private: bool = False, members: tuple[Any, ...] = ()) -> Any:
    """A chat room with a unique name."""
    from django_chat.chat.models import ChatRoom

    room = ChatRoom.objects.create(name=unique("room"), is_private=private)
    room.members.add(*members)
    return room


def redis_layers(redis_url: str, prefix: str) -> dict[str, Any]:
    """``CHANNEL_LAYERS`` using channels_redis with its own key prefix."""
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url, "max_connections": 200}], "prefix": prefix},
        }
    }


@contextmanager
def redis_layer(redis_url: str) -> Iterator[str]:
    """Use a Redis channel layer with a unique prefix inside the block; yields the prefix."""
    prefix = unique("chanx-dj-")
    with override_settings(CHANNEL_LAYERS=redis_layers(redis_url, prefix)):
        yield prefix


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python running the example project."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(EXAMPLE_DIR), *filter(None, [env.get("PYTHONPATH")])])
    env["DJANGO_SETTINGS_MODULE"] = "django_chat.settings"
    env.update(extra)
    return env


PYTHON = sys.executable


async def receive_reply(ws: Any, timeout: float = 1) -> Any:
    """The next frame that is not the success ``authentication`` frame a ``DjangoAuthenticator``
    sends first (when the consumer sends it), so tests read replies the same either way."""
    while True:
        frame = await ws.receive_json(timeout=timeout)
        if frame.get("action") == "authentication" and frame["payload"]["status_code"] == 200:
            continue
        return frame


def reason(payload: dict[str, Any]) -> Any:
    """A refusal's detail: in ``data`` (chanx 2.x's frame) or in ``detail``."""
    return (payload.get("data") or {}).get("detail", payload.get("detail"))
