"""Generate a document once, on first use, for the mountable docs views."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chanx.asyncapi.docs_page import WebComponent, render_html
from chanx.asyncapi.generator import generate
from chanx.asyncapi.serialize import to_json, to_yaml

__all__ = ["DocsCache"]


class DocsCache:
    """The JSON, YAML and HTML of one application's document, built lazily and kept.

    Lazily, because the views are usually mounted on the very app they document, before its
    routes are complete. ``source`` may be a callable returning the source (e.g. read from the
    request's app or Django settings at first use).
    """

    def __init__(
        self, source: Any, options: dict[str, Any], component: WebComponent | None
    ) -> None:
        self._source = source
        self._options = options
        self._component = component
        self._lock = threading.Lock()
        self._rendered: dict[str, str] = {}

    def get(self, kind: str, source: Callable[[], Any] | None = None) -> str:
        """``"json"``, ``"yaml"`` or ``"html"``; ``source`` supplies the app when none was given."""
        with self._lock:
            if not self._rendered:
                target = self._source if self._source is not None else (source or _none)()
                doc = generate(target, **self._options)
                self._rendered = {
                    "json": to_json(doc),
                    "yaml": to_yaml(doc),
                    "html": render_html(doc, component=self._component),
                }
            return self._rendered[kind]


def _none() -> Any:
    raise LookupError("no application to document: pass one to the docs views")
