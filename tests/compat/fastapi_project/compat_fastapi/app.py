"""The FastAPI application: websocket routes, a layer, AsyncAPI endpoints."""

from __future__ import annotations

from fast_channels.layers import InMemoryChannelLayer, register_channel_layer
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from chanx.fast_channels import asyncapi_docs, asyncapi_spec_json, asyncapi_spec_yaml
from chanx.fast_channels.type_defs import AsyncAPIConfig
from compat_fastapi.consumers import JobConsumer, RoomConsumer

register_channel_layer("default", InMemoryChannelLayer())

app = FastAPI(title="Compat rooms", version="2.0.0")
app.add_api_websocket_route("/ws/room/{room_name}", RoomConsumer.as_asgi())
app.add_api_websocket_route("/ws/jobs", JobConsumer.as_asgi())

CONFIG: AsyncAPIConfig = {"title": "Compat rooms sockets", "version": "2.0.0"}


@app.get("/asyncapi.json")
async def spec(request: Request) -> JSONResponse:
    return await asyncapi_spec_json(request, app, CONFIG)


@app.get("/asyncapi.yaml")
async def spec_yaml(request: Request) -> Response:
    return await asyncapi_spec_yaml(request, app, CONFIG)


@app.get("/asyncapi")
async def docs(request: Request) -> HTMLResponse:
    return await asyncapi_docs(request, app, CONFIG)
