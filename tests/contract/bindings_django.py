"""Contract-suite adapter of the Django Channels binding (``chanx.channels``).

Django is configured with the ``examples/django_chat`` project's settings (the same set-up the
chanx-django package tests use, so both suites can share one pytest process).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_chat"
if str(_EXAMPLE) not in sys.path:
    sys.path.insert(0, str(_EXAMPLE))

from django_chat import testsetup  # noqa: E402

testsetup.setup()

from channels.exceptions import AcceptConnection, DenyConnection  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from chanx.channels.websocket import AsyncJsonWebsocketConsumer  # noqa: E402

NAME = "django"
MARKS = [pytest.mark.django]
Consumer = AsyncJsonWebsocketConsumer
__all__ = ["AcceptConnection", "DenyConnection"]

_PARAM = re.compile(r"\{(\w+)\}")


def django_route(starlette_path: str) -> str:
    """``/ws/rooms/{room_id}`` -> ``ws/rooms/<str:room_id>`` (Django's ``path`` syntax)."""
    return _PARAM.sub(r"<str:\1>", starlette_path.lstrip("/"))


def make_app(routes: Sequence[tuple[str, type[Any]]]) -> Any:
    """A Channels ``URLRouter`` over ``django.urls.path`` routes."""
    patterns: list[Any] = [path(django_route(p), consumer.as_asgi()) for p, consumer in routes]
    return URLRouter(patterns)


@contextlib.asynccontextmanager
async def isolated_layer() -> AsyncIterator[Any]:
    """A fresh chanx in-memory layer as ``CHANNEL_LAYERS["default"]`` for one test."""
    layers = {"default": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"}}
    with override_settings(CHANNEL_LAYERS=layers):
        yield get_channel_layer()
