"""AsyncAPI endpoints for FastAPI and Starlette: the document as JSON or YAML, and a docs page.

They are coroutines to call from your own routes (they are not routes themselves)::

    @app.get("/asyncapi.json")
    async def spec(request: Request) -> Response:
        return await asyncapi_spec_json(request, app, {"title": "Shop sockets"})

The document covers the consumers ``app`` routes (:class:`FastAPIRouteDiscovery`). Unless
``config`` (:class:`~chanx.fast_channels.type_defs.AsyncAPIConfig`) says otherwise, the
title is the app's title plus " AsyncAPI documentation", version and description are the
app's, the server is the request's host and ``wss`` for an https request. The page is chanx's
own offline HTML; ``docs_js_url`` switches it to the official AsyncAPI renderer. Needs the
``asyncapi`` extra (``pip install chanx-asgi[asyncapi]``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

try:
    from chanx.asyncapi.docs_page import web_component
    from chanx.asyncapi.generator import AsyncAPIGenerator
    from chanx.asyncapi.responses import DocsResponse, docs_error, docs_response, spec_response
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "chanx.fast_channels.views needs chanx-asyncapi: pip install 'chanx-asgi[asyncapi]'",
        name=exc.name,
    ) from exc
from chanx.fast_channels.discovery import FastAPIRouteDiscovery
from chanx.fast_channels.type_defs import DEFAULT_ASYNCAPI_CONFIG, AsyncAPIConfig

__all__ = [
    "asyncapi_docs",
    "asyncapi_spec_json",
    "asyncapi_spec_yaml",
    "generate_asyncapi_schema",
    "resolve_config",
]

#: Media type of the YAML endpoint.
YAML_MEDIA_TYPE = "application/x-yaml"


def resolve_config(
    request: Request, app: Any, config: AsyncAPIConfig | None = None
) -> AsyncAPIConfig:
    """The static defaults, then the app's and the request's values, then ``config``."""
    merged: AsyncAPIConfig = {**DEFAULT_ASYNCAPI_CONFIG}
    title = getattr(app, "title", None)
    if isinstance(title, str) and title:
        merged["title"] = f"{title} AsyncAPI documentation"
    version, description = getattr(app, "version", None), getattr(app, "description", None)
    if isinstance(version, str) and version:
        merged["version"] = version
    if isinstance(description, str):
        merged["description"] = description
    merged["server_url"] = request.url.netloc
    merged["server_protocol"] = "wss" if request.url.scheme in ("https", "wss") else "ws"
    merged.update(config or {})
    return merged


def generate_asyncapi_schema(
    request: Request, app: Any, config: AsyncAPIConfig | None = None
) -> dict[str, Any]:
    """The AsyncAPI document of ``app`` as JSON-ready data (what the three views serve)."""
    options = resolve_config(request, app, config)
    protocol = options.get("server_protocol", "ws")
    base_url = f"{protocol}://{options.get('server_url') or request.url.netloc}"
    routes = FastAPIRouteDiscovery(app).discover_routes(base_url)
    return AsyncAPIGenerator(
        routes,
        title=options["title"],
        version=options["version"],
        description=options.get("description"),
        server_url=options.get("server_url"),
        server_protocol=protocol,
        camelize=options.get("camelize", False),
        servers=options.get("servers"),
        security_schemes=options.get("security_schemes"),
    ).generate()


class _SerializedJSONResponse(JSONResponse):
    """A ``JSONResponse`` whose content is JSON text already (indented, key order kept)."""

    def render(self, content: Any) -> bytes:
        return str(content).encode("utf-8")


def _starlette(answer: DocsResponse) -> Response:
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


async def asyncapi_spec_json(
    request: Request, app: Any, config: AsyncAPIConfig | None = None
) -> JSONResponse:
    """The document as JSON; a failure is a 500 ``{"error": "Failed to generate schema: ..."}``."""
    answer = spec_response(lambda: generate_asyncapi_schema(request, app, config), "json")
    return _SerializedJSONResponse(answer.body, status_code=answer.status)


async def asyncapi_spec_yaml(
    request: Request, app: Any, config: AsyncAPIConfig | None = None
) -> Response:
    """The document as YAML (``application/x-yaml``, key order kept); errors as JSON."""
    answer = spec_response(
        lambda: generate_asyncapi_schema(request, app, config), "yaml", yaml_type=YAML_MEDIA_TYPE
    )
    return _starlette(answer)


async def asyncapi_docs(
    request: Request, app: Any, config: AsyncAPIConfig | None = None
) -> HTMLResponse:
    """The HTML docs page (chanx's own, or the renderer ``docs_js_url`` names)."""
    options = config or {}
    try:
        component = web_component(
            options.get("docs_js_url"),
            options.get("docs_css_url"),
            options.get("docs_js_integrity"),
            options.get("docs_css_integrity"),
        )
    except ValueError as exc:
        return _html(docs_error(f"Invalid docs page assets: {exc}"))
    answer = docs_response(
        lambda: generate_asyncapi_schema(request, app, config),
        component,
        json_url=options.get("docs_json_url", "asyncapi.json"),
        yaml_url=options.get("docs_yaml_url", "asyncapi.yaml"),
    )
    return _html(answer)


def _html(answer: DocsResponse) -> HTMLResponse:
    return HTMLResponse(answer.body, status_code=answer.status)
