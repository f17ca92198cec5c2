"""HTML sections of the docs page: channels, operations, security, messages and schemas.

Every value taken from the spec is escaped; references are resolved inside the document only.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from chanx.asyncapi._html_schema import anchor, schema_table

__all__ = [
    "channel_section",
    "messages_section",
    "nav",
    "resolve",
    "schemas_section",
    "security_section",
    "servers_block",
    "text",
]

_DIRECTIONS = (("receive", "Client sends"), ("send", "Server sends"))
Ops = list[tuple[str, dict[str, Any]]]


def _esc(value: Any) -> str:
    return escape(str(value)) if value is not None else ""


def _row(*cells: str, row_id: str | None = None) -> str:
    attr = f' id="{row_id}"' if row_id else ""
    return f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _table(headers: tuple[str, ...], rows: list[str], cls: str) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_CODE = re.compile(r"``([^`]+)``|`([^`]+)`")


def _inline(value: str) -> str:
    """Escaped text with ``code`` / `code` spans (docstrings and Markdown) as <code>."""
    out, last = [], 0
    for match in _CODE.finditer(value):
        out.append(escape(value[last : match.start()]))
        out.append(f"<code>{escape(match.group(1) or match.group(2))}</code>")
        last = match.end()
    out.append(escape(value[last:]))
    return "".join(out)


def text(value: Any) -> str:
    """Paragraphs of escaped text (blank lines separate them)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    paragraphs = [p.strip() for p in value.strip().split("\n\n")]
    return "".join(f"<p>{_inline(p)}</p>" for p in paragraphs if p)


def resolve(doc: dict[str, Any], node: Any) -> Any:
    for _ in range(8):  # a chain of references, bounded
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


def _message_name(ref: dict[str, Any], doc: dict[str, Any]) -> str:
    """The component name a channel-message reference ends at."""
    channel_ref = ref.get("$ref", "")
    via = resolve(doc, {"$ref": channel_ref}) if channel_ref else None
    target = resolve(doc, via) if isinstance(via, dict) else None
    for name, message in ((doc.get("components") or {}).get("messages") or {}).items():
        if message is target:
            return str(name)
    return str(channel_ref.rsplit("/", 1)[-1])


def _message_link(ref: dict[str, Any], doc: dict[str, Any]) -> str:
    name = _message_name(ref, doc)
    message = resolve(doc, ref) or {}
    label = message.get("name") or name
    return f'<a href="#{anchor("message", name)}"><code>{escape(str(label))}</code></a>'


def _example(message: dict[str, Any]) -> str:
    for example in message.get("examples") or []:
        if isinstance(example, dict) and "payload" in example:
            text = json.dumps(example["payload"], indent=2, ensure_ascii=False)
            return f'<pre class="example"><code>{escape(text)}</code></pre>'
    return ""


def _operation(oid: str, op: dict[str, Any], doc: dict[str, Any]) -> str:
    action = op.get("action", "")
    refs = [r for r in op.get("messages") or [] if isinstance(r, dict)]
    names = ", ".join(_message_link(r, doc) for r in refs) or "<em>no message</em>"
    parts = [
        f'<div class="card op" id="{anchor("operation", oid)}">',
        f'<h4><span class="badge {escape(action)}">{escape(action)}</span>{names}</h4>',
        f'<p class="muted">Operation <code>{escape(oid)}</code></p>',
    ]
    if op.get("summary"):
        parts.append(f"<p><strong>{escape(op['summary'])}</strong></p>")
    parts.append(text(op.get("description")))
    parts += [_example(resolve(doc, r) or {}) for r in refs]
    reply = resolve(doc, op.get("reply"))
    if isinstance(reply, dict) and reply.get("messages"):
        links = ", ".join(_message_link(r, doc) for r in reply["messages"] if isinstance(r, dict))
        parts.append(f'<div class="reply"><p>Server replies with {links}</p>')
        parts += [_example(resolve(doc, r) or {}) for r in reply["messages"]]
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def _tags(items: Any) -> str:
    names = [t.get("name") for t in items or [] if isinstance(t, dict)]
    return "".join(f'<span class="tag">{escape(str(n))}</span>' for n in names if n)


def channel_section(cid: str, channel: dict[str, Any], ops: Ops, doc: dict[str, Any]) -> str:
    parts = [
        f'<section class="channel" id="{anchor("channel", cid)}">',
        f"<h2>{escape(str(channel.get('title') or cid))}</h2>",
        f'<p class="address">Address <code>{escape(str(channel.get("address")))}</code> '
        f"{_tags(channel.get('tags'))}</p>",
        text(channel.get("summary")),
        text(channel.get("description")),
    ]
    params = channel.get("parameters") or {}
    if params:
        rows = [
            _row(f"<code>{escape(name)}</code>", _esc((resolve(doc, p) or {}).get("description")))
            for name, p in params.items()
        ]
        parts.append("<h3>Parameters</h3>" + _table(("Name", "Description"), rows, "params"))
    schemes = {
        r.get("$ref", "").rsplit("/", 1)[-1]
        for _, op in ops
        for r in op.get("security") or []
        if isinstance(r, dict)
    }
    if schemes:
        links = ", ".join(
            f'<a href="#{anchor("security", s)}">{escape(s)}</a>' for s in sorted(schemes)
        )
        parts.append(f'<p class="auth">Authentication: {links}</p>')
    for direction, heading in _DIRECTIONS:
        cards = [_operation(oid, op, doc) for oid, op in ops if op.get("action") == direction]
        if cards:
            parts.append(f'<h3 class="direction {direction}">{heading}</h3>' + "".join(cards))
    parts.append("</section>")
    return "".join(parts)


def security_section(doc: dict[str, Any]) -> str:
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    if not schemes:
        return ""
    rows = []
    for name, scheme in schemes.items():
        scheme = resolve(doc, scheme) or {}
        where = ", ".join(
            f"{k}: <code>{escape(str(scheme[k]))}</code>"
            for k in ("name", "in", "scheme", "bearerFormat")
            if k in scheme
        )
        rows.append(
            _row(
                f"<code>{escape(name)}</code>",
                _esc(scheme.get("type")),
                where,
                _esc(scheme.get("description")),
                row_id=anchor("security", name),
            )
        )
    table = _table(("Scheme", "Type", "Credentials", "Description"), rows, "security")
    return f'<section id="security"><h2>Authentication</h2>{table}</section>'


def messages_section(doc: dict[str, Any], schemas: dict[str, Any]) -> str:
    out = ['<section id="messages"><h2>Messages</h2>']
    for name, message in ((doc.get("components") or {}).get("messages") or {}).items():
        message = resolve(doc, message) or {}
        correlation = resolve(doc, message.get("correlationId"))
        note = ""
        if isinstance(correlation, dict) and correlation.get("location"):
            note = (
                f'<p class="muted correlation" title="{_esc(correlation.get("description"))}">'
                f"Correlation id: <code>{_esc(correlation['location'])}</code></p>"
            )
        out.append(
            f'<div class="card message" id="{anchor("message", name)}">'
            f"<h3><code>{_esc(message.get('name') or name)}</code> "
            f'<span class="muted">{_esc(message.get("title") or name)}</span></h3>'
            f"{text(message.get('summary'))}{text(message.get('description'))}{note}"
            f"{schema_table(message.get('payload'), schemas)}{_example(message)}</div>"
        )
    out.append("</section>")
    return "".join(out)


def schemas_section(schemas: dict[str, Any]) -> str:
    out = ['<section id="schemas"><h2>Schemas</h2>']
    for name, schema in schemas.items():
        description = text(schema.get("description")) if isinstance(schema, dict) else ""
        out.append(
            f'<div class="card schema" id="{anchor("schema", name)}"><h3>{escape(name)}</h3>'
            f"{description}{schema_table(schema, schemas, name)}</div>"
        )
    out.append("</section>")
    return "".join(out)


def nav(doc: dict[str, Any], by_channel: dict[str, Ops]) -> str:
    items = []
    for cid, channel in (doc.get("channels") or {}).items():
        ops = "".join(
            f'<li><a href="#{anchor("operation", oid)}">'
            f"{_esc(op.get('action'))} {escape(oid.rsplit('.', 1)[-1])}</a></li>"
            for oid, op in by_channel.get(cid, [])
        )
        title = (channel or {}).get("title") or cid
        address = _esc((channel or {}).get("address"))
        items.append(
            f'<li><a href="#{anchor("channel", cid)}">{escape(str(title))}</a> '
            f'<code class="nav-address">{address}</code><ul>{ops}</ul></li>'
        )
    extra = (
        '<li><a href="#security">Authentication</a></li>'
        if (doc.get("components") or {}).get("securitySchemes")
        else ""
    )
    tail = '<li><a href="#messages">Messages</a></li><li><a href="#schemas">Schemas</a></li>'
    return f"<ul>{''.join(items)}{extra}{tail}</ul>"


def servers_block(doc: dict[str, Any]) -> str:
    rows = []
    for name, server in (doc.get("servers") or {}).items():
        server = resolve(doc, server) or {}
        url = f"{server.get('protocol')}://{server.get('host')}{server.get('pathname') or ''}"
        note = _esc(server.get("description"))
        rows.append(f"<li><code>{escape(name)}</code> <code>{escape(url)}</code> {note}</li>")
    return f'<div class="servers"><h3>Servers</h3><ul>{"".join(rows)}</ul></div>' if rows else ""
