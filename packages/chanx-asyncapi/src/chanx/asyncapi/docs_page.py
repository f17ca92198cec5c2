"""The HTML docs page, rendered by chanx from the spec itself: no JavaScript, works offline.

The page is one self-contained document (the stylesheet is inlined) built with
``string.Template`` and our own small templates in ``assets/``. It shows every channel with its
address and parameters, operations grouped by direction with their replies, each message's
payload as a table plus an example, and the authentication schemes.

Optionally, :class:`WebComponent` swaps the page for the official AsyncAPI React standalone
bundle, loaded from a URL you pin together with its Subresource Integrity hash; nothing of it is
shipped with chanx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from importlib.resources import files
from string import Template
from typing import Any

from chanx.asyncapi._html_sections import (
    channel_section,
    messages_section,
    nav,
    resolve,
    schemas_section,
    security_section,
    servers_block,
    text,
)
from chanx.asyncapi.docs import (
    ASSET_INTEGRITY,
    ASYNCAPI_UI_PACKAGE,
    ASYNCAPI_UI_VERSION,
    docs_assets,
    integrity_attrs,
    schema_script_json,
)
from chanx.asyncapi.v3_0_0 import AsyncAPI

__all__ = [
    "OFFICIAL_COMPONENT",
    "OFFICIAL_COMPONENT_FILES",
    "WebComponent",
    "official_component",
    "render_html",
    "web_component",
]

_SRI = re.compile(r"^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$")


@dataclass(frozen=True, slots=True)
class WebComponent:
    """Where to load the official AsyncAPI standalone renderer from (off by default).

    Pin a version in the URL and give its SRI hash (``sha384-...``) so a changed file is
    refused by the browser. ``css_url``/``css_integrity`` load its stylesheet the same way.
    Assets served by the application itself (same-origin paths such as
    ``/static/asyncapi/index.js``) may omit the hash.
    """

    script_url: str
    script_integrity: str | None = None
    css_url: str | None = None
    css_integrity: str | None = None

    def __post_init__(self) -> None:
        for url, sri in (
            (self.script_url, self.script_integrity),
            (self.css_url, self.css_integrity),
        ):
            if url is None:
                continue
            same_origin = url.startswith("/") and not url.startswith("//")
            if not (same_origin or url.startswith("https://")):
                raise ValueError(f"asset URLs must be https:// or same-origin paths, got {url!r}")
            if sri is None and same_origin:
                continue
            if not (isinstance(sri, str) and _SRI.match(sri)):
                raise ValueError(f"{url!r} needs an SRI hash like 'sha384-...', got {sri!r}")


#: The official renderer chanx was checked with (npm package and version).
OFFICIAL_COMPONENT = (ASYNCAPI_UI_PACKAGE, ASYNCAPI_UI_VERSION)
#: Path inside that npm package -> Subresource Integrity hash of exactly that file.
OFFICIAL_COMPONENT_FILES = ASSET_INTEGRITY


def official_component(base_url: str | None = None) -> WebComponent:
    """The official AsyncAPI renderer at the pinned version, with its files' SRI hashes.

    ``base_url`` is where the npm package's files are served from: your own static files
    (a same-origin path such as ``/static/asyncapi-react``) or a CDN that mirrors npm. The
    default is unpkg at the pinned version. Browsers refuse the files if they differ.
    """
    assets = docs_assets(base_url)
    return WebComponent(
        script_url=assets["js_url"],
        script_integrity=assets["js_integrity"],
        css_url=assets["css_url"],
        css_integrity=assets["css_integrity"],
    )


def web_component(
    js_url: str | None = None,
    css_url: str | None = None,
    js_integrity: str | None = None,
    css_integrity: str | None = None,
) -> WebComponent | None:
    """The renderer configured by docs-page settings, or None for chanx's own page.

    Without ``js_url`` the page is chanx's (offline). With the pinned official script URL
    (``official_component().script_url``) the pinned hashes apply and the official
    stylesheet is the default; any other URL needs its own hash (except same-origin paths).
    Raises ``ValueError`` for an unpinned asset.
    """
    if not js_url:
        return None
    official = official_component()
    if js_url == official.script_url:
        js_integrity = js_integrity or official.script_integrity
        css_url = css_url or official.css_url
    if css_url == official.css_url:
        css_integrity = css_integrity or official.css_integrity
    return WebComponent(js_url, js_integrity, css_url or None, css_integrity)


def _asset(name: str) -> str:
    return (files("chanx.asyncapi") / "assets" / name).read_text(encoding="utf-8")


def render_html(
    doc: AsyncAPI | dict[str, Any],
    *,
    json_url: str = "asyncapi.json",
    yaml_url: str = "asyncapi.yaml",
    component: WebComponent | None = None,
) -> str:
    """The docs page of ``doc``; with ``component``, the official renderer's page instead.

    ``json_url``/``yaml_url`` are the links to the document (relative to the page).
    """
    data = doc.to_dict() if isinstance(doc, AsyncAPI) else doc
    info = data.get("info") or {}
    common = {"title": escape(str(info.get("title", "AsyncAPI"))), "json_url": escape(json_url)}
    if component is not None:
        css = component.css_url
        attrs = f'href="{escape(css)}"{integrity_attrs(component.css_integrity)}' if css else ""
        link = f'<link rel="stylesheet" {attrs}>' if css else ""
        spec = schema_script_json(data)
        return Template(_asset("component.html")).substitute(
            common, css_link=link, spec=spec, script_url=escape(component.script_url),
            script_attrs=integrity_attrs(component.script_integrity),
        )  # fmt: skip
    schemas = (data.get("components") or {}).get("schemas") or {}
    by_channel: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for oid, op in (data.get("operations") or {}).items():
        cid = str(((op or {}).get("channel") or {}).get("$ref", "")).rsplit("/", 1)[-1]
        by_channel.setdefault(cid.replace("~1", "/").replace("~0", "~"), []).append((oid, op))
    channels = "".join(
        channel_section(cid, resolve(data, ch) or {}, by_channel.get(cid, []), data)
        for cid, ch in (data.get("channels") or {}).items()
    )
    return Template(_asset("page.html")).substitute(
        common,
        css=_asset("docs.css"),
        nav=nav(data, by_channel),
        version=escape(str(info.get("version", ""))),
        description=text(info.get("description")),
        yaml_url=escape(yaml_url),
        asyncapi=escape(str(data.get("asyncapi", ""))),
        servers=servers_block(data),
        channels=channels,
        security=security_section(data),
        messages=messages_section(data, schemas),
        schemas=schemas_section(schemas),
    )
