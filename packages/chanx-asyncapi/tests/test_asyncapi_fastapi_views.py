"""chanx.fast_channels.views served by a real uvicorn server, documents checked by the parser."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncapi_kitchen as kitchen
import httpx
import pytest
import uvicorn
import yaml
from asyncapi_tools import ParseFn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.applications import Starlette

from chanx.asyncapi import official_component
from chanx.fast_channels import asyncapi_docs, asyncapi_spec_json, asyncapi_spec_yaml
from chanx.fast_channels.type_defs import AsyncAPIConfig
from chanx.fast_channels.views import generate_asyncapi_schema

pytestmark = [pytest.mark.asgi, pytest.mark.e2e, pytest.mark.timeout(600)]

app = FastAPI(title="Shop", version="2.0.0", description="Shop sockets")
app.add_api_websocket_route("/ws/kitchen/{room}", kitchen.KitchenConsumer.as_asgi())
app.add_api_websocket_route("/ws/plain", kitchen.PlainConsumer.as_asgi())
CUSTOM: AsyncAPIConfig = {
    "title": "Custom",
    "version": "9.0",
    "camelize": True,
    "server_url": "chat.example.com",
    "server_protocol": "wss",
    "security_schemes": {"bearer": {"type": "http", "scheme": "bearer"}},
}


@app.get("/asyncapi.json")
async def spec_json(request: Request) -> JSONResponse:
    return await asyncapi_spec_json(request, app)


@app.get("/custom.yaml")
async def spec_yaml(request: Request) -> Response:
    return await asyncapi_spec_yaml(request, app, CUSTOM)


@app.get("/asyncapi-docs")
async def docs(request: Request) -> HTMLResponse:
    return await asyncapi_docs(request=request, app=app)


@app.get("/docs-official")
async def docs_official(request: Request) -> HTMLResponse:
    return await asyncapi_docs(request, app, {"docs_js_url": official_component().script_url})


@app.get("/docs-unpinned")
async def docs_unpinned(request: Request) -> HTMLResponse:
    return await asyncapi_docs(request, app, {"docs_js_url": "https://cdn.example.com/x.js"})


@app.get("/empty.json")
async def empty_json(request: Request) -> JSONResponse:
    return await asyncapi_spec_json(request, Starlette())


@app.get("/broken.json")
async def broken_json(request: Request) -> JSONResponse:
    return await asyncapi_spec_json(request, app, {"servers": {"edge": {"host": "x"}}})


@app.get("/broken-docs")
async def broken_docs(request: Request) -> HTMLResponse:
    return await asyncapi_docs(request, app, {"servers": {"edge": {"host": "x"}}})


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """``app`` under uvicorn on a free port of 127.0.0.1, in a thread of this process."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _parsed(parse: ParseFn, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (verdict,) = parse(path)
    assert verdict["errors"] == [], verdict
    assert verdict["parsed"] is True


def test_json_defaults_come_from_the_app_and_the_request(
    base_url: str, tmp_path: Path, asyncapi_parser: ParseFn
) -> None:
    response = httpx.get(f"{base_url}/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["info"] == {
        "title": "Shop AsyncAPI documentation",
        "version": "2.0.0",
        "description": "Shop sockets",
    }
    host = base_url.removeprefix("http://")
    assert data["servers"] == {"development": {"host": host, "protocol": "ws"}}
    assert [c["address"] for c in data["channels"].values()] == ["/ws/kitchen/{room}", "/ws/plain"]
    assert response.text.startswith('{\n  "asyncapi": "3.0.0"')  # indented, key order kept
    _parsed(asyncapi_parser, tmp_path, "fastapi.json", response.text)


def test_yaml_with_config(base_url: str, tmp_path: Path, asyncapi_parser: ParseFn) -> None:
    response = httpx.get(f"{base_url}/custom.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-yaml"
    data = yaml.safe_load(response.text)
    assert list(data)[:3] == ["asyncapi", "info", "servers"]
    assert data["info"] == {"title": "Custom", "version": "9.0", "description": "Shop sockets"}
    assert data["servers"] == {"production": {"host": "chat.example.com", "protocol": "wss"}}
    assert data["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    payload = data["components"]["schemas"]["ChatPayload"]["properties"]
    assert set(payload) == {"messageText", "replyTo"}  # camelize: documented in camelCase
    _parsed(asyncapi_parser, tmp_path, "fastapi.yaml", response.text)


def test_docs_page_is_chanx_own_offline_page(base_url: str) -> None:
    response = httpx.get(f"{base_url}/asyncapi-docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Shop AsyncAPI documentation</title>" in response.text
    assert "<script" not in response.text
    assert 'href="asyncapi.json"' in response.text  # next to the page: /asyncapi.json


def test_docs_page_with_the_official_renderer_is_pinned(base_url: str) -> None:
    pinned = official_component()
    page = httpx.get(f"{base_url}/docs-official").text
    assert f'<script src="{pinned.script_url}" integrity="{pinned.script_integrity}"' in page
    assert f'href="{pinned.css_url}" integrity="{pinned.css_integrity}"' in page
    unpinned = httpx.get(f"{base_url}/docs-unpinned")
    assert unpinned.status_code == 500
    assert "needs an SRI hash" in unpinned.text
    assert "<script" not in unpinned.text  # an unpinned script is never loaded


def test_an_app_without_consumers_has_an_empty_document(base_url: str) -> None:
    response = httpx.get(f"{base_url}/empty.json")
    assert response.status_code == 200
    assert response.json()["channels"] == {}


def test_failures_are_500_with_the_reason(base_url: str) -> None:
    response = httpx.get(f"{base_url}/broken.json")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error.startswith("Failed to generate schema: 1 validation error for Server")
    assert "protocol" in error
    page = httpx.get(f"{base_url}/broken-docs")
    assert page.status_code == 500
    assert 'role="alert"' in page.text
    assert "Failed to generate schema" in page.text


def test_generate_asyncapi_schema_over_https() -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": "https",
        "server": ("chat.example.com", 443),
        "headers": [(b"host", b"chat.example.com")],
        "path": "/",
        "query_string": b"",
    }
    data = generate_asyncapi_schema(Request(scope), app, {"version": "3"})
    assert data["servers"] == {"production": {"host": "chat.example.com", "protocol": "wss"}}
    assert data["info"]["version"] == "3"
    assert json.dumps(data)  # JSON-ready


def test_default_config_is_the_generator_defaults() -> None:
    from chanx.asyncapi import constants
    from chanx.fast_channels.type_defs import DEFAULT_ASYNCAPI_CONFIG

    assert DEFAULT_ASYNCAPI_CONFIG == {
        "title": constants.DEFAULT_ASYNCAPI_TITLE,
        "version": constants.DEFAULT_ASYNCAPI_VERSION,
        "server_url": constants.DEFAULT_SERVER_URL,
        "server_protocol": constants.DEFAULT_SERVER_PROTOCOL,
        "camelize": False,
    }
