"""The demo FastAPI app: chat WebSocket, announcement API, chat page, AsyncAPI docs page.

The channel layer is in-memory unless ``REDIS_URL`` is set (then every server process
sharing that Redis and ``CHANX_LAYER_PREFIX`` shares rooms and announcements).
"""

from __future__ import annotations

import os
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from chanx.asyncapi.routes import asyncapi_router
from chanx.fast_channels.layers import setup_layers
from chanx.mixins import MemoryStore, MixinStore
from demo.consumers import ChatConsumer, room_group
from demo.messages import AnnouncementEvent

__all__ = ["Announcement", "app", "create_app"]


class Announcement(BaseModel):
    """Body of ``POST /api/rooms/{room}/announcements``."""

    message: str = Field(min_length=1, max_length=2000)


def _mixin_store(redis_url: str | None, prefix: str) -> MixinStore:
    """Presence, typists and per-user buckets: in memory, or in Redis next to the layer."""
    if not redis_url:
        return MemoryStore()
    from chanx.mixins.stores.redis import RedisStore

    return RedisStore.from_url(redis_url, prefix=f"{prefix}:mixins:")


def create_app(redis_url: str | None = None, prefix: str = "chanx-demo") -> FastAPI:
    """Build the app; ``redis_url=None`` uses the in-memory channel layer."""
    setup_layers(redis_url, prefix=prefix)
    ChatConsumer.mixin_store = _mixin_store(redis_url, prefix)
    app = FastAPI(title="chanx demo chat")
    app.add_api_websocket_route("/ws/chat/{room}", ChatConsumer.as_asgi())
    # The demo's own protocol documentation (AsyncAPI 3.0), linked from the chat page.
    app.mount(
        "/asyncapi",
        asyncapi_router(title="chanx demo chat", version="1.0.0"),
    )
    static = resources.files("demo").joinpath("static")
    page = static.joinpath("index.html").read_text(encoding="utf-8")
    # the page's script: the generated TypeScript client and the page, compiled by tsc
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return page

    @app.post("/api/rooms/{room}/announcements", status_code=202)
    async def announce(room: str, body: Announcement) -> dict[str, str]:
        """Push an announcement to everyone connected to ``room`` (a server-side event)."""
        await ChatConsumer.broadcast_event(
            AnnouncementEvent(payload=body.message), groups=[room_group(room)]
        )
        return {"status": "sent", "room": room}

    @app.get("/api/rooms/{room}/presence")
    async def presence(room: str) -> dict[str, object]:
        """Who is in ``room``: users with their connections, and both counts."""
        return (await ChatConsumer.get_presence(room)).model_dump()

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "layer": "redis" if redis_url else "memory"}

    return app


app = create_app(
    os.environ.get("REDIS_URL") or None, os.environ.get("CHANX_LAYER_PREFIX", "chanx-demo")
)
