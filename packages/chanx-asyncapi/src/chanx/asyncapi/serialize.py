"""Write a document as JSON or YAML, byte-for-byte the same for the same document."""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic_core import to_json as _to_json

from chanx.asyncapi.v3_0_0 import AsyncAPI

__all__ = ["Format", "dump", "to_json", "to_yaml"]

Format = Literal["json", "yaml"]


def _data(doc: AsyncAPI | dict[str, Any]) -> dict[str, Any]:
    return doc.to_dict() if isinstance(doc, AsyncAPI) else doc


def to_json(doc: AsyncAPI | dict[str, Any]) -> str:
    """Indented JSON in the document's field order, with a final newline.

    Written by pydantic-core's serializer: several times faster than ``json.dumps`` on large
    documents, same layout.
    """
    return _to_json(_data(doc), indent=2).decode() + "\n"


class _PlainDumper(yaml.SafeDumper):
    """Never writes ``&id``/``*id`` aliases: shared values are written out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(doc: AsyncAPI | dict[str, Any]) -> str:
    """Block-style YAML in the document's field order, without anchors or aliases."""
    return yaml.dump(
        _data(doc), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100
    )


def dump(doc: AsyncAPI | dict[str, Any], fmt: Format) -> str:
    """``to_json`` or ``to_yaml`` by name."""
    return to_yaml(doc) if fmt == "yaml" else to_json(doc)
