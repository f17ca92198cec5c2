"""Top-level WebSocket routes: each app's router mounted under ``ws/``."""

from channels.routing import URLRouter

from chanx.channels.routing import include, path

router = URLRouter(
    [
        path("ws/", include("compat_rooms.routing")),
    ]
)
