"""AsyncAPI for the quick start's chat: docs endpoints on the app, and the same from code."""

from __future__ import annotations

from chat_app import app
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from chanx.asyncapi import AsyncAPIGenerator, to_yaml, validate_document
from chanx.asyncapi.routes import asyncapi_router
from chanx.fast_channels.discovery import FastAPIRouteDiscovery
from chanx.fast_channels.type_defs import AsyncAPIConfig
from chanx.fast_channels.views import asyncapi_docs, asyncapi_spec_json, asyncapi_spec_yaml

# One line: /asyncapi/ (HTML page, no JavaScript, works offline), /asyncapi/asyncapi.json, .yaml
app.mount("/asyncapi", asyncapi_router(title="Chat API", version="1.0.0"))

# Or your own endpoints, with the views chanx 2.x documented:
CONFIG: AsyncAPIConfig = {"title": "Chat API", "version": "1.0.0"}


@app.get("/chat-docs/asyncapi.json")
async def chat_spec_json(request: Request) -> JSONResponse:
    return await asyncapi_spec_json(request, app, CONFIG)


@app.get("/chat-docs/asyncapi.yaml")
async def chat_spec_yaml(request: Request) -> Response:
    return await asyncapi_spec_yaml(request, app, CONFIG)


@app.get("/chat-docs/")
async def chat_docs(request: Request) -> HTMLResponse:
    return await asyncapi_docs(request, app, CONFIG)


def spec_yaml() -> str:
    """The document as YAML, e.g. to commit it next to the code or hand it to client teams."""
    routes = FastAPIRouteDiscovery(app).discover_routes()
    document = AsyncAPIGenerator(
        routes, title="Chat API", version="1.0.0", server_url="127.0.0.1:8000"
    ).generate()
    problems = validate_document(document)
    if problems:
        raise ValueError("\n".join(problems))
    return to_yaml(document)
