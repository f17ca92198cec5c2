"""Mountable docs routes for Starlette/FastAPI and the HTML renderer's safety rules."""

from __future__ import annotations

import json
from typing import Any

import asyncapi_kitchen as kitchen
import httpx
import pytest
import yaml
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute

from chanx.asyncapi import WebComponent, generate, render_html, validate_document
from chanx.asyncapi.routes import asyncapi_router, asyncapi_routes

pytestmark = pytest.mark.asgi

SRI = "sha384-" + "A" * 64


async def _get(app: Any, *paths: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return [await client.get(p) for p in paths]


async def test_fastapi_app_documents_itself_at_the_mount() -> None:
    app = FastAPI(title="Self documented", version="1.2.3")
    app.add_api_websocket_route("/ws/kitchen/{room}", kitchen.KitchenConsumer.as_asgi())
    app.mount("/asyncapi", asyncapi_router(server_url="ws://testserver"))
    spec, spec_yaml, page = await _get(
        app, "/asyncapi/asyncapi.json", "/asyncapi/asyncapi.yaml", "/asyncapi/"
    )
    assert spec.status_code == 200
    assert spec.headers["content-type"] == "application/json"
    data = spec.json()
    assert data["info"] == {"title": "Self documented", "version": "1.2.3"}
    assert list(data["channels"]) == ["kitchen"]
    assert validate_document(data) == []
    assert yaml.safe_load(spec_yaml.text) == data
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="operation-kitchen-receive-ping"' in page.text
    assert 'href="asyncapi.json"' in page.text


async def test_starlette_routes_for_another_source() -> None:
    app = Starlette(
        routes=[
            WebSocketRoute("/ws", kitchen.PlainConsumer.as_asgi()),
            Mount("/docs", routes=asyncapi_routes(kitchen.routes, title="Kitchen")),
        ]
    )
    (response,) = await _get(app, "/docs/asyncapi.json")
    data = response.json()
    assert data["info"]["title"] == "Kitchen"
    assert list(data["channels"]) == ["kitchen", "CamelConsumer", "PlainConsumer"]


async def test_web_component_mode_uses_the_pinned_asset() -> None:
    component = WebComponent(
        script_url="https://cdn.example.com/asyncapi-standalone@2.0.0/index.js",
        script_integrity=SRI,
        css_url="https://cdn.example.com/asyncapi-standalone@2.0.0/default.min.css",
        css_integrity=SRI,
    )
    app = Starlette(
        routes=[Mount("/docs", routes=asyncapi_routes(kitchen.routes, component=component))]
    )
    (response,) = await _get(app, "/docs/")
    page = response.text
    assert (
        '<script src="https://cdn.example.com/asyncapi-standalone@2.0.0/index.js" '
        f'integrity="{SRI}" crossorigin="anonymous"></script>'
    ) in page
    assert f'integrity="{SRI}"' in page.split("<link", 1)[1]
    assert '"asyncapi": "3.0.0"' in page


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"script_url": "http://cdn.example.com/x.js", "script_integrity": SRI}, "https://"),
        ({"script_url": "https://cdn.example.com/x.js", "script_integrity": "md5-abc"}, "SRI hash"),
    ],
)
def test_web_component_refuses_unpinned_assets(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        WebComponent(**kwargs)


def test_the_page_escapes_everything_from_the_spec() -> None:
    data = generate(kitchen.routes).to_dict()
    data["info"]["description"] = "<script>alert(1)</script>"
    data["channels"]["kitchen"]["title"] = '"><img src=x onerror=alert(1)>'
    html = render_html(data)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    data["info"]["description"] = "Send ``ref`` or `<b>`"
    assert "<p>Send <code>ref</code> or <code>&lt;b&gt;</code></p>" in render_html(data)


def test_component_page_cannot_be_closed_by_spec_text() -> None:
    data = generate(kitchen.routes).to_dict()
    data["info"]["description"] = "</script><script>alert(1)</script>"
    html = render_html(data, component=WebComponent("https://cdn.example.com/a.js", SRI))
    assert html.count("</script>") == 2  # the loader tag and the render call only
    spec_text = html.split("schema: ", 1)[1].split(", config:", 1)[0]
    assert json.loads(spec_text.replace("<\\/", "</"))["info"]["description"].startswith(
        "</script>"
    )


def test_schema_tables_expand_nested_models() -> None:
    html = render_html(generate(kitchen.routes))
    assert "<code>payload.message_text</code>" in html
    assert "<code>payload.messageText</code>" in html  # camelCase twin
    assert "minLength: 1" in html
    assert '<span class="req">required</span>' in html


def test_message_tables_show_the_ref_where_it_is_echoed() -> None:
    from chanx.asyncapi._html_schema import schema_table

    data = generate(kitchen.routes).to_dict()
    messages, schemas = data["components"]["messages"], data["components"]["schemas"]
    chat = schema_table(messages["ChatMessage"]["payload"], schemas)
    assert "<code>payload.message_text</code>" in chat
    assert "<code>ref</code>" in chat
    broadcast = schema_table(messages["ChatNotification"]["payload"], schemas)
    assert "<code>payload.message_text</code>" in broadcast
    assert "<code>ref</code>" not in broadcast
