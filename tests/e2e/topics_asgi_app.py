"""The FastAPI app of the topic end-to-end tests (uvicorn, ``--app-dir tests/e2e``).

``topics_e2e_common`` lives in ``tests/reliability`` (on ``PYTHONPATH``).

``/ws`` multiplexes every topic of :mod:`topics_e2e_common`; ``/ws/runs/{run_id}`` is
``RunTopic``'s dedicated route. ``POST /publish`` publishes from an async view,
``POST /publish-sync`` from a sync view (a worker thread), ``n`` lines at once.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from topics_e2e_common import MAX_TOPICS, PREFIX, REDIS_URL, TOPICS, Line, RunTopic

from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer

setup_layers(REDIS_URL, prefix=f"{PREFIX}-layer")


class Hub(AsyncJsonWebsocketConsumer):
    topics = list(TOPICS.values())
    max_topics = MAX_TOPICS


app = FastAPI()
app.add_api_websocket_route("/ws", Hub.as_asgi())
app.add_api_websocket_route("/ws/runs/{run_id}", RunTopic.as_consumer().as_asgi())


@app.get("/health")
async def health() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.post("/publish")
async def publish(topic: str, text: str, n: int = 1) -> dict[str, int]:
    cls = TOPICS[topic.split(":", 1)[0]]
    for i in range(n):
        await cls.broadcast(topic, Line(payload=f"{text}{i}" if n > 1 else text))
    return {"pid": os.getpid()}


@app.post("/publish-sync")
def publish_sync(topic: str, text: str) -> dict[str, int]:
    TOPICS[topic.split(":", 1)[0]].broadcast_sync(topic, Line(payload=text))
    return {"pid": os.getpid()}
