"""What the docs views answer, framework-free: status, content type and body.

The Django views (``chanx.channels.views``), the FastAPI/Starlette views
(``chanx.fast_channels.views``) and the mountable routes (:mod:`chanx.asyncapi.routes`) all
turn these into their framework's response, so every one of them answers the same bodies and
the same errors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from chanx.asyncapi.docs_page import WebComponent, render_html
from chanx.asyncapi.serialize import to_json, to_yaml

__all__ = [
    "FORMATS",
    "JSON_TYPE",
    "YAML_TYPE",
    "DocsResponse",
    "build_document",
    "docs_error",
    "docs_response",
    "spec_response",
]

logger = logging.getLogger("chanx.asyncapi")

#: Formats the document is served in.
FORMATS = ("json", "yaml")
JSON_TYPE = "application/json"
YAML_TYPE = "application/yaml; charset=utf-8"
_HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class DocsResponse:
    """One answer of a docs view."""

    status: int
    content_type: str
    body: str


def _error(status: int, message: str) -> DocsResponse:
    return DocsResponse(status, JSON_TYPE, json.dumps({"error": message}))


def build_document(build: Callable[[], dict[str, Any]]) -> dict[str, Any] | str:
    """The document, or the failure's message (logged with its traceback, never sent)."""
    try:
        return build()
    except Exception as exc:
        logger.exception("generating the AsyncAPI document failed")
        return f"Failed to generate schema: {exc}"


def spec_response(
    build: Callable[[], dict[str, Any]], fmt: str = "json", *, yaml_type: str = YAML_TYPE
) -> DocsResponse:
    """The document built by ``build`` as JSON (indented 2) or YAML (key order kept).

    ``fmt`` is case-insensitive. An unknown format is a 400 and a failing ``build`` a 500,
    both as ``{"error": "..."}``.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        return _error(400, "Invalid format. Supported formats: json, yaml")
    doc = build_document(build)
    if isinstance(doc, str):
        return _error(500, doc)
    if fmt == "yaml":
        return DocsResponse(200, yaml_type, to_yaml(doc))
    return DocsResponse(200, JSON_TYPE, to_json(doc))


def docs_error(message: str) -> DocsResponse:
    """The 500 page of a docs view that cannot render: ``message`` in an error box."""
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>AsyncAPI documentation unavailable</title></head><body>"
        f'<div class="error" role="alert"><h1>Error</h1><p>{escape(message)}</p></div>'
        "</body></html>"
    )
    return DocsResponse(500, _HTML_TYPE, page)


def docs_response(
    build: Callable[[], dict[str, Any]] | dict[str, Any],
    component: WebComponent | None = None,
    *,
    json_url: str = "asyncapi.json",
    yaml_url: str = "asyncapi.yaml",
) -> DocsResponse:
    """The HTML docs page of the document (chanx's own, or ``component``'s).

    ``build`` is the document or what builds it; a failing ``build`` gives a 500 page with
    the error in a box.
    """
    doc = build if isinstance(build, dict) else build_document(build)
    if isinstance(doc, str):
        return docs_error(doc)
    html = render_html(doc, json_url=json_url, yaml_url=yaml_url, component=component)
    return DocsResponse(200, _HTML_TYPE, html)
