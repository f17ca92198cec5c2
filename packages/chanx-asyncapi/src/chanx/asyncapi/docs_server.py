"""A small standard-library HTTP server for the docs of one document (``chanx-asyncapi serve``).

It needs no web framework, so the CLI works with chanx-core alone. The three responses are
rendered once, at start-up: the document of a running app does not change.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.asyncapi.docs_page import WebComponent, render_html
from chanx.asyncapi.serialize import to_json, to_yaml

if TYPE_CHECKING:
    from chanx.asyncapi.v3_0_0 import AsyncAPI

__all__ = ["docs_responses", "make_docs_server"]


def docs_responses(
    doc: AsyncAPI | dict[str, Any], component: WebComponent | None = None
) -> dict[str, tuple[str, bytes]]:
    """Path -> (content type, body) for ``/``, ``/asyncapi.json`` and ``/asyncapi.yaml``."""
    return {
        "/": ("text/html; charset=utf-8", render_html(doc, component=component).encode()),
        "/asyncapi.json": ("application/json", to_json(doc).encode()),
        "/asyncapi.yaml": ("application/yaml; charset=utf-8", to_yaml(doc).encode()),
    }


class _Handler(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, tuple[str, bytes]]] = {}
    quiet: ClassVar[bool] = False

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/index.html":
            path = "/"
        found = self.pages.get(path)
        if found is None:
            self.send_error(404, "Not found: try /, /asyncapi.json or /asyncapi.yaml")
            return
        content_type, body = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_docs_server(
    doc: AsyncAPI | dict[str, Any],
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    component: WebComponent | None = None,
    quiet: bool = False,
) -> ThreadingHTTPServer:
    """A server (not started) answering the docs page and the spec; port 0 picks a free one."""
    handler = type(
        "DocsHandler", (_Handler,), {"pages": docs_responses(doc, component), "quiet": quiet}
    )
    return ThreadingHTTPServer((host, port), handler)
