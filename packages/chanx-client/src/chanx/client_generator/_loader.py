"""Load an AsyncAPI document from a file, an http(s) URL or an application import path."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml


class LoadError(ValueError):
    """The document could not be loaded; the message says why (no traceback for users)."""


def _parse(text: str, hint: str) -> dict[str, Any]:
    data: Any
    if hint in ("json", "yaml"):
        order = [hint, "yaml" if hint == "json" else "json"]
    else:
        order = ["json", "yaml"]
    error: Exception | None = None
    for kind in order:
        try:
            data = json.loads(text) if kind == "json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            error = exc
            continue
        if not isinstance(data, dict):
            raise LoadError(
                f"the document's top level must be an object, got {type(data).__name__}"
            )
        return data
    raise LoadError(f"neither JSON nor YAML: {error}")


def _hint(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".json") or "json" in lower.rsplit(";", 1)[0].rsplit("/", 1)[-1]:
        return "json"
    if lower.endswith((".yaml", ".yml")) or "yaml" in lower:
        return "yaml"
    return ""


def load_url(url: str) -> dict[str, Any]:
    """Fetch a document over http(s) (redirects followed, 30 s timeout)."""
    import httpx

    try:
        response = httpx.get(url, follow_redirects=True, timeout=30.0)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise LoadError(f"cannot fetch {url}: {exc}") from None
    hint = _hint(response.headers.get("content-type", "")) or _hint(url)
    return _parse(response.text, hint)


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or YAML document (``FileNotFoundError`` if it does not exist)."""
    file = Path(path)
    return _parse(file.read_text(encoding="utf-8"), _hint(file.name))


def load_app(target: str, app_dir: str | None = None) -> dict[str, Any]:
    """Generate the document of ``module:attribute`` with chanx-asyncapi's public API."""
    from chanx.asyncapi import generate, to_json

    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise LoadError(f"expected MODULE:APP, got {target!r}")
    if app_dir is not None and app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    try:
        app = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise LoadError(f"cannot import {target}: {exc}") from None
    data: dict[str, Any] = json.loads(to_json(generate(app)))
    return data


def load(source: str, app_dir: str | None = None) -> dict[str, Any]:
    """A document from a URL, an existing file, or else a ``module:app`` import path."""
    if source.startswith(("http://", "https://")):
        return load_url(source)
    if Path(source).exists() or ":" not in source or source.endswith((".json", ".yaml", ".yml")):
        return load_file(source)
    return load_app(source, app_dir)
