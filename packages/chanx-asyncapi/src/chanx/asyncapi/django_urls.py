"""Docs URLs for Django: ``path("asyncapi/", include(asyncapi_urls()))``.

Serves the HTML page at the include's root plus ``asyncapi.json`` and ``asyncapi.yaml``. Without
a ``source`` it documents ``settings.ASGI_APPLICATION`` (the Channels router), imported at the
first request, when Django is fully set up.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.module_loading import import_string

from chanx.asyncapi.generator import generate
from chanx.asyncapi.responses import DocsResponse, docs_response, spec_response

if TYPE_CHECKING:
    from django.http import HttpRequest

    from chanx.asyncapi.docs_page import WebComponent

__all__ = ["asyncapi_urls"]


def _asgi_application() -> Any:
    from django.conf import settings

    dotted = getattr(settings, "ASGI_APPLICATION", None)
    if not dotted:
        raise LookupError("set ASGI_APPLICATION or pass the router to asyncapi_urls(source)")
    return import_string(dotted)


def asyncapi_urls(
    source: Any = None, *, component: WebComponent | None = None, **options: Any
) -> list[URLPattern]:
    """URL patterns of the docs page, ``asyncapi.json`` and ``asyncapi.yaml``.

    ``options`` are :func:`~chanx.asyncapi.generator.generate`'s; ``component`` switches the
    page to the official renderer.
    """
    lock = threading.Lock()
    kept: list[dict[str, Any]] = []

    def document() -> dict[str, Any]:
        with lock:
            if not kept:
                target = source if source is not None else _asgi_application()
                kept.append(generate(target, **options).to_dict())
            return kept[0]

    def _http(answer: DocsResponse) -> HttpResponse:
        return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)

    def page(request: HttpRequest) -> HttpResponse:
        return _http(docs_response(document, component))

    def spec_json(request: HttpRequest) -> HttpResponse:
        return _http(spec_response(document, "json"))

    def spec_yaml(request: HttpRequest) -> HttpResponse:
        return _http(spec_response(document, "yaml"))

    return [
        path("", page, name="asyncapi_docs"),
        path("asyncapi.json", spec_json, name="asyncapi_json"),
        path("asyncapi.yaml", spec_yaml, name="asyncapi_yaml"),
    ]
