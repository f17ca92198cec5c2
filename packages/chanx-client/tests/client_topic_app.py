"""A stand-in server for the documented topic wire protocol with recovery, on plain Starlette.

Used until chanx's own topics land: it speaks the frames of the topic protocol
(``subscribe``/``subscribed``/``unsubscribe``, pushes stamped with ``topic`` and ``seq``) plus
the additive recovery fields (``seq``/``epoch`` on subscribe; ``recovered``/``epoch``/``seq`` in
the ``subscribed`` payload), keeping a per-topic history in memory. ``POST /tick`` publishes,
``POST /drop`` closes every socket with 1012 (a restart that keeps the history).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

EPOCH = "epoch-1"


@dataclass
class Hub:
    history: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    sockets: dict[WebSocket, set[str]] = field(default_factory=dict)


HUB = Hub()


def push_frame(topic: str, seq: int, value: int) -> str:
    return json.dumps(
        {"action": "tick", "payload": value, "version": 1, "topic": topic, "seq": seq}
    )


async def subscribe(ws: WebSocket, frame: dict[str, Any]) -> None:
    topic = str(frame["topic"])
    entries = HUB.history.setdefault(topic, [])
    current = entries[-1][0] if entries else 0
    since = frame.get("seq")
    recovered = isinstance(since, int) and frame.get("epoch") == EPOCH
    since = since if isinstance(since, int) else current
    HUB.sockets[ws].add(topic)
    payload = {"recovered": recovered, "epoch": EPOCH, "seq": current}
    reply = {"action": "subscribed", "payload": payload, "version": 1, "topic": topic}
    await ws.send_text(json.dumps({**reply, "ref": frame.get("ref")}))
    if recovered:
        # Replays from `since` inclusive on purpose: the client must drop the overlap.
        for seq, value in entries:
            if seq >= since:
                await ws.send_text(push_frame(topic, seq, value))


async def topics(ws: WebSocket) -> None:
    await ws.accept()
    HUB.sockets[ws] = set()
    try:
        while True:
            frame = json.loads(await ws.receive_text())
            action, topic, ref = frame.get("action"), frame.get("topic"), frame.get("ref")
            if action == "ping":
                await ws.send_text(json.dumps({"action": "pong", "payload": None, "ref": ref}))
            elif action == "subscribe":
                await subscribe(ws, frame)
            elif action == "unsubscribe":
                HUB.sockets[ws].discard(str(topic))
                reply = {"action": "unsubscribed", "payload": None, "topic": topic, "ref": ref}
                await ws.send_text(json.dumps(reply))
            elif action == "last" and topic in HUB.sockets[ws]:
                entries = HUB.history.get(str(topic)) or []
                value = entries[-1][1] if entries else None
                reply = {"action": "last_reply", "payload": value, "topic": topic, "ref": ref}
                await ws.send_text(json.dumps(reply))
    except WebSocketDisconnect:
        pass
    finally:
        HUB.sockets.pop(ws, None)


async def tick(request: Request) -> JSONResponse:
    topic = request.query_params["topic"]
    value = int(request.query_params["value"])
    entries = HUB.history.setdefault(topic, [])
    seq = (entries[-1][0] if entries else 0) + 1
    entries.append((seq, value))
    for ws, subscribed in list(HUB.sockets.items()):
        if topic in subscribed:
            await ws.send_text(push_frame(topic, seq, value))
    return JSONResponse({"seq": seq})


async def drop(request: Request) -> JSONResponse:
    count = len(HUB.sockets)
    for ws in list(HUB.sockets):
        await ws.close(1012)
    return JSONResponse({"dropped": count})


routes = [
    WebSocketRoute("/ws/topics", topics),
    Route("/tick", tick, methods=["POST"]),
    Route("/drop", drop, methods=["POST"]),
]
