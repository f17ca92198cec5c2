"""The quick start's chat, ready for several processes: the layer lives in Redis.

Run two servers sharing one Redis::

    REDIS_URL=redis://127.0.0.1:6379/0 uvicorn scaled_app:app --port 8001
    REDIS_URL=redis://127.0.0.1:6379/0 uvicorn scaled_app:app --port 8002
"""

from __future__ import annotations

import os

from chat_app import ChatConsumer
from fastapi import FastAPI

from chanx.fast_channels.layers import setup_layers

# Registers the "default" layer before the first connection: Redis when REDIS_URL is set
# (checked right away: a wrong URL fails at start-up), the in-memory layer otherwise.
setup_layers(os.environ.get("REDIS_URL"), prefix=os.environ.get("LAYER_PREFIX", "chat"))

app = FastAPI()
app.add_api_websocket_route("/ws/chat", ChatConsumer.as_asgi())
