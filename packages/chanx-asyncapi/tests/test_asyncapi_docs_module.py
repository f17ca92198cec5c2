"""``chanx.asyncapi.docs``: the pinned official renderer's assets, SRI attributes and the
script-safe JSON the official-renderer page embeds (one implementation with ``docs_page``)."""

from __future__ import annotations

import json

from chanx.asyncapi.docs import (
    ASSET_INTEGRITY,
    ASYNCAPI_UI_VERSION,
    docs_assets,
    integrity_attrs,
    schema_script_json,
)
from chanx.asyncapi.docs_page import WebComponent, official_component, render_html


def test_assets_are_pinned_with_their_hashes() -> None:
    assets = docs_assets()
    assert assets["js_url"] == (
        f"https://unpkg.com/@asyncapi/react-component@{ASYNCAPI_UI_VERSION}"
        "/browser/standalone/index.js"
    )
    assert assets["js_integrity"] == ASSET_INTEGRITY["browser/standalone/index.js"]
    assert assets["css_integrity"].startswith("sha384-")
    mirrored = docs_assets("/static/asyncapi-react/")
    assert mirrored["css_url"] == "/static/asyncapi-react/styles/default.min.css"
    official = official_component()
    assert (official.script_url, official.script_integrity) == (
        assets["js_url"], assets["js_integrity"],
    )  # fmt: skip


def test_integrity_attrs() -> None:
    assert integrity_attrs(None) == ""
    assert integrity_attrs("sha384-abc") == ' integrity="sha384-abc" crossorigin="anonymous"'


def test_schema_json_cannot_close_the_script_element() -> None:
    doc = {"info": {"title": "</script><script>alert(1)</script>"}}
    text = schema_script_json(doc)
    assert "</" not in text
    assert json.loads(text) == doc
    full = {"asyncapi": "3.0.0", **doc}
    page = render_html(full, component=WebComponent("/static/ui.js"))
    assert schema_script_json(full) in page
    assert page.count("</script>") == 2  # the page's own two scripts: the title closes none
