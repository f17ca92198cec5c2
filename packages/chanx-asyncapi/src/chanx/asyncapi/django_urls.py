"""Docs URLs for Django: ``path("asyncapi/", include(asyncapi_urls()))``.

Serves the HTML page at the include's root plus ``asyncapi.json`` and ``asyncapi.yaml``. Without
a ``source`` it documents ``settings.ASGI_APPLICATION`` (the Channels router), imported at the
first request, when Django is fully set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.module_loading import import_string

from chanx.asyncapi._cache import DocsCache

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
    cache = DocsCache(source, options, component)

    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse(cache.get("html", _asgi_application), content_type="text/html")

    def spec_json(request: HttpRequest) -> HttpResponse:
        return HttpResponse(cache.get("json", _asgi_application), content_type="application/json")

    def spec_yaml(request: HttpRequest) -> HttpResponse:
        return HttpResponse(cache.get("yaml", _asgi_application), content_type="application/yaml")

    return [
        path("", page, name="asyncapi_docs"),
        path("asyncapi.json", spec_json, name="asyncapi_json"),
        path("asyncapi.yaml", spec_yaml, name="asyncapi_yaml"),
    ]
