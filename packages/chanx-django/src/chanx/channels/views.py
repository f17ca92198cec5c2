"""AsyncAPI over HTTP for Django: the document (JSON or YAML) and its docs page.

Include :mod:`chanx.channels.urls` (``path("asyncapi/", include("chanx.channels.urls"))``) or
route the views yourself. Both read the ``ASYNCAPI_*``, ``CAMELIZE`` and
``WEBSOCKET_BASE_URL`` keys of the ``CHANX`` setting; the document covers the consumers
``ASGI_APPLICATION`` routes (:class:`~chanx.channels.discovery.DjangoRouteDiscovery`).
Needs chanx-asyncapi (``pip install chanx-django[asyncapi]``).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views import View

try:
    from chanx.asyncapi.docs_page import web_component
    from chanx.asyncapi.generator import AsyncAPIGenerator
    from chanx.asyncapi.responses import (
        DocsResponse,
        build_document,
        docs_error,
        docs_response,
        spec_response,
    )
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "chanx.channels.views needs chanx-asyncapi: pip install 'chanx-django[asyncapi]'",
        name=exc.name,
    ) from exc
from chanx.channels.discovery import DjangoRouteDiscovery
from chanx.channels.settings import chanx_settings

__all__ = ["DOCS_TEMPLATE", "AsyncAPIDocsView", "AsyncAPISchemaView", "generate_asyncapi_schema"]

#: Template of the docs page (shipped; override it in your project to change the page).
DOCS_TEMPLATE = "channels/asyncapi_docs.html"
_AS_IS = ("http://", "https://", "//", "/")


def generate_asyncapi_schema(request: HttpRequest) -> dict[str, Any]:
    """The AsyncAPI document of the project, as the views serve it (JSON-ready data).

    The server is ``ASYNCAPI_SERVER_URL`` or the request's host, over
    ``ASYNCAPI_SERVER_PROTOCOL`` or ``wss`` for a secure request (else ``ws``).
    """
    settings = chanx_settings
    routes = DjangoRouteDiscovery().get_websocket_routes(request)
    protocol = settings.ASYNCAPI_SERVER_PROTOCOL or ("wss" if request.is_secure() else "ws")
    return AsyncAPIGenerator(
        routes,
        title=settings.ASYNCAPI_TITLE,
        version=settings.ASYNCAPI_VERSION,
        description=settings.ASYNCAPI_DESCRIPTION,
        server_url=settings.ASYNCAPI_SERVER_URL or request.get_host(),
        server_protocol=protocol,
        camelize=settings.CAMELIZE,
        servers=settings.ASYNCAPI_SERVERS,
        security_schemes=settings.ASYNCAPI_SECURITY_SCHEMES,
    ).generate()


def _http(answer: DocsResponse) -> HttpResponse:
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


class AsyncAPISchemaView(View):
    """``GET``: the document, ``?format=json`` (default, indented 2) or ``?format=yaml``.

    An unknown format is a 400 and a failure a 500, both as ``{"error": "..."}``.
    """

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> HttpResponse:
        """Serve the document in the requested format."""
        fmt = request.GET.get("format", "json")
        return _http(spec_response(lambda: generate_asyncapi_schema(request), fmt))


def _asset(value: str | None) -> str | None:
    if not value:
        return None
    return value if value.startswith(_AS_IS) else static(value)


def _schema_links() -> tuple[str, str]:
    try:
        url = reverse("asyncapi_schema")
    except NoReverseMatch:
        url = "../schema/"
    return url, f"{url}?format=yaml"


class AsyncAPIDocsView(View):
    """``GET``: the docs page, rendered by chanx from the document (offline, no JavaScript).

    ``ASYNCAPI_DOCS_JS_URL`` (plus ``..._CSS_URL`` and the ``..._INTEGRITY`` hashes) switches
    to the official AsyncAPI renderer; values that are not absolute URLs or paths go through
    Django's ``static()``. The page is the template :data:`DOCS_TEMPLATE` (context: ``page``,
    ``schema_json``, ``title``, ``error`` and the asset settings); a failure renders it with
    ``error`` and status 500.
    """

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> HttpResponse:
        """Serve the docs page."""
        settings = chanx_settings
        assets = {
            "js_url": _asset(settings.ASYNCAPI_DOCS_JS_URL),
            "css_url": _asset(settings.ASYNCAPI_DOCS_CSS_URL),
            "js_integrity": settings.ASYNCAPI_DOCS_JS_INTEGRITY,
            "css_integrity": settings.ASYNCAPI_DOCS_CSS_INTEGRITY,
        }
        json_url, yaml_url = _schema_links()
        doc: dict[str, Any] | str
        context: dict[str, Any]
        try:
            component = web_component(**assets)
        except ValueError as exc:
            doc = f"Invalid docs page assets: {exc}"
        else:
            doc = build_document(lambda: generate_asyncapi_schema(request))
        if isinstance(doc, str):
            answer = docs_error(doc)
            context = {"error": doc, "title": settings.ASYNCAPI_TITLE, "schema_json": ""}
        else:
            answer = docs_response(doc, component, json_url=json_url, yaml_url=yaml_url)
            context = {
                "error": None,
                "title": doc["info"]["title"],
                "schema_json": _script_json(doc),
            }
        context.update(assets, page=answer.body)
        rendered = _render(context, request)
        body = answer.body if rendered is None else rendered
        return HttpResponse(body, status=answer.status, content_type=answer.content_type)


def _render(context: dict[str, Any], request: HttpRequest) -> str | None:
    """The docs template rendered, or None when no template engine finds it."""
    try:
        return render_to_string(DOCS_TEMPLATE, context, request=request)
    except TemplateDoesNotExist:  # e.g. no TEMPLATES setting: the page is served as is
        return None


def _script_json(doc: dict[str, Any]) -> str:
    """The document as JSON safe inside ``<script>`` (``</`` escaped)."""
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")
