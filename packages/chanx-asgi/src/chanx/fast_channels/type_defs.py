"""Types of the FastAPI/Starlette AsyncAPI views: :class:`AsyncAPIConfig`."""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = ["DEFAULT_ASYNCAPI_CONFIG", "AsyncAPIConfig"]


class AsyncAPIConfig(TypedDict, total=False):
    """Options of the AsyncAPI views (``chanx.fast_channels.views``); every key is optional.

    Unset keys come from the app and the request (see the views), then from
    ``chanx.asyncapi.constants``.
    """

    #: ``info.title``.
    title: str
    #: ``info.version``.
    version: str
    #: ``info.description``.
    description: str
    #: Server host, e.g. ``api.example.com`` (default: the request's host).
    server_url: str
    #: ``ws`` or ``wss`` (default: ``wss`` for an https request).
    server_protocol: str
    #: Document every payload in camelCase (consumers that camelize are documented so anyway).
    camelize: bool
    #: Server Objects by name, replacing the generated server.
    servers: dict[str, dict[str, Any]]
    #: Extra Security Scheme Objects (winning over the ones authenticators declare).
    security_schemes: dict[str, dict[str, Any]]
    #: Use the official AsyncAPI renderer from this script URL instead of chanx's own page.
    docs_js_url: str
    #: Stylesheet of that renderer.
    docs_css_url: str
    #: SRI hash of ``docs_js_url`` (the pinned official URL has its hash built in).
    docs_js_integrity: str
    #: SRI hash of ``docs_css_url``.
    docs_css_integrity: str
    #: Link from chanx's page to the JSON document (default ``asyncapi.json``, relative).
    docs_json_url: str
    #: Link from chanx's page to the YAML document (default ``asyncapi.yaml``, relative).
    docs_yaml_url: str


#: The static defaults (the generator's), before app and request values are applied.
DEFAULT_ASYNCAPI_CONFIG: AsyncAPIConfig = {
    "title": "AsyncAPI Documentation",
    "version": "1.0.0",
    "server_url": "localhost:8000",
    "server_protocol": "ws",
    "camelize": False,
}
