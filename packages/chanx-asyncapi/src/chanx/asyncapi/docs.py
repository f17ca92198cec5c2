"""The pieces of a docs page that loads the official AsyncAPI renderer, under chanx 2.x's names.

``ASYNCAPI_UI_VERSION`` is the ``@asyncapi/react-component`` release chanx pins,
:data:`ASSET_INTEGRITY` the Subresource Integrity hash of each file it loads, and
:func:`docs_assets` their unpkg URLs with those hashes. :func:`integrity_attrs` writes the
``integrity``/``crossorigin`` attributes of a tag and :func:`schema_script_json` the document
as JSON that is safe inside ``<script>``. :mod:`chanx.asyncapi.docs_page` builds its optional
official-renderer page from these; its default page needs none of them (no JavaScript).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = [
    "ASSET_INTEGRITY",
    "ASYNCAPI_UI_PACKAGE",
    "ASYNCAPI_UI_VERSION",
    "UNPKG_BASE",
    "docs_assets",
    "integrity_attrs",
    "schema_script_json",
]

#: The npm package of the official renderer.
ASYNCAPI_UI_PACKAGE = "@asyncapi/react-component"
#: The release chanx was checked with; the hashes below are of exactly its files.
ASYNCAPI_UI_VERSION = "3.2.1"
#: Where :func:`docs_assets` loads the pinned release from by default.
UNPKG_BASE = f"https://unpkg.com/{ASYNCAPI_UI_PACKAGE}@{ASYNCAPI_UI_VERSION}"
#: Path inside the npm package -> Subresource Integrity hash of that file.
ASSET_INTEGRITY = {
    "browser/standalone/index.js": (
        "sha384-wy5bSOazlkSKMGH7XMW6+pK8ho8+rCPr7mTqKdAb/dvfwXAPWCFivgr3C7wJMFAh"
    ),
    "styles/default.min.css": (
        "sha384-oo9RoQcacP++XdMX6CjTucTvASEORHX3chFik0/V2kHcsHiVboGyWZztGeq/0bum"
    ),
}


def docs_assets(base_url: str | None = None) -> dict[str, str]:
    """``js_url``/``js_integrity``/``css_url``/``css_integrity`` of the pinned renderer.

    ``base_url`` serves the npm package's files (your static files, or an npm mirror);
    default unpkg at :data:`ASYNCAPI_UI_VERSION`. Browsers refuse files that differ.
    """
    base = (base_url or UNPKG_BASE).rstrip("/")
    script, css = ASSET_INTEGRITY
    return {
        "js_url": f"{base}/{script}",
        "js_integrity": ASSET_INTEGRITY[script],
        "css_url": f"{base}/{css}",
        "css_integrity": ASSET_INTEGRITY[css],
    }


def integrity_attrs(integrity: str | None) -> str:
    """`` integrity="..." crossorigin="anonymous"`` for a tag (empty without a hash)."""
    if integrity is None:
        return ""
    return f' integrity="{escape(integrity)}" crossorigin="anonymous"'


def schema_script_json(document: Any) -> str:
    """``document`` as JSON to embed in ``<script>``: ``</`` is escaped so no text in the
    document can close the script element."""
    return json.dumps(document, ensure_ascii=False).replace("</", "<\\/")
