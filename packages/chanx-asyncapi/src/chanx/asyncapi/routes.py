"""Mountable docs routes for FastAPI and Starlette: the page, ``asyncapi.json`` and ``.yaml``.

``app.mount("/asyncapi", asyncapi_router())`` serves ``/asyncapi/`` (the page),
``/asyncapi/asyncapi.json`` and ``/asyncapi/asyncapi.yaml``, documenting the app they are
mounted on (read from the request at first use, then kept) unless ``source`` names another
one. To write the endpoints yourself, use ``chanx.fast_channels.views``. Requires Starlette,
which FastAPI users have already; chanx-asyncapi itself does not.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router

from chanx.asyncapi.generator import generate
from chanx.asyncapi.responses import DocsResponse, docs_response, spec_response

if TYPE_CHECKING:
    from starlette.requests import Request

    from chanx.asyncapi.docs_page import WebComponent

__all__ = ["asyncapi_router", "asyncapi_routes"]


def _response(answer: DocsResponse) -> Response:
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


def asyncapi_routes(
    source: Any = None, *, component: WebComponent | None = None, **options: Any
) -> list[BaseRoute]:
    """Three routes: ``/`` (docs page), ``/asyncapi.json`` and ``/asyncapi.yaml``.

    ``options`` are :func:`~chanx.asyncapi.generator.generate`'s (``title``, ``version``,
    ``servers``, ``server_url``...); ``component`` switches the page to the official renderer.
    The document is generated at the first request (the app's routes are complete by then)
    and kept.
    """
    lock = threading.Lock()
    kept: list[dict[str, Any]] = []

    def document(request: Request) -> dict[str, Any]:
        with lock:
            if not kept:
                target = source if source is not None else request.scope.get("app")
                kept.append(generate(target, **options).to_dict())
            return kept[0]

    async def page(request: Request) -> Response:
        return _response(docs_response(lambda: document(request), component))

    async def spec_json(request: Request) -> Response:
        return _response(spec_response(lambda: document(request), "json"))

    async def spec_yaml(request: Request) -> Response:
        return _response(spec_response(lambda: document(request), "yaml"))

    return [
        Route("/", page, methods=["GET"], name="asyncapi_docs"),
        Route("/asyncapi.json", spec_json, methods=["GET"], name="asyncapi_json"),
        Route("/asyncapi.yaml", spec_yaml, methods=["GET"], name="asyncapi_yaml"),
    ]


def asyncapi_router(
    source: Any = None, *, component: WebComponent | None = None, **options: Any
) -> Router:
    """:func:`asyncapi_routes` as a router to ``app.mount(prefix, ...)``."""
    return Router(routes=asyncapi_routes(source, component=component, **options))
