"""Check an AsyncAPI 3.0.0 document: its structure through the ``v3_0_0`` models, then the
cross-references a schema alone cannot express.

Semantic checks: every ``$ref`` resolves inside the document; every ``{param}`` of a channel
address is declared in its ``parameters`` (and nothing else is); every operation points at a
channel and only lists messages of that channel, and a reply's messages belong to the reply's
channel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chanx.asyncapi.v3_0_0 import AsyncAPI, address_parameters

__all__ = ["SpecFileError", "load_file", "validate_document", "validate_file"]

_MISSING = object()


class SpecFileError(ValueError):
    """A file that cannot be read or parsed as JSON/YAML."""


def load_file(path: str | Path) -> Any:
    """Read a JSON or YAML file; raises :class:`SpecFileError` with the reason."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecFileError(f"cannot read {str(file)!r}: {exc}") from exc
    try:
        if file.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecFileError(f"{str(file)!r} is neither valid JSON nor YAML: {reason}") from exc


def _pointer(doc: Any, ref: str) -> Any:
    if not ref.startswith("#/"):
        return _MISSING
    node = doc
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _refs(node: Any, path: str = "#") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append((where, ref))
            stack.extend((v, f"{where}/{k}") for k, v in item.items() if k != "$ref")
        elif isinstance(item, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(item))
    return sorted(found)


def _structure(data: dict[str, Any]) -> list[str]:
    try:
        AsyncAPI.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        out = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = "/".join(str(p) for p in err["loc"]) or "(root)"
            out.append(f"{loc}: {err['msg']}")
        return out
    return []


def _channel_id(ref: Any) -> str | None:
    if isinstance(ref, str) and ref.startswith("#/channels/") and ref.count("/") == 2:
        return ref.removeprefix("#/channels/").replace("~1", "/").replace("~0", "~")
    return None


def _message_refs(
    doc: dict[str, Any], where: str, cid: str | None, messages: Any, what: str
) -> list[str]:
    problems = []
    prefix = f"#/channels/{(cid or '').replace('~', '~0').replace('/', '~1')}/messages/"
    for i, item in enumerate(messages if isinstance(messages, list) else []):
        ref = item.get("$ref") if isinstance(item, dict) else None
        if cid is not None and not (isinstance(ref, str) and ref.startswith(prefix)):
            problems.append(f"{where}/{i}: {what} {ref!r} is not a message of channel {cid!r}")
    return problems


_MAPS = {"properties", "patternProperties", "definitions", "dependencies", "$defs"}
_LITERALS = {"const", "default", "enum", "examples", "required"}
_TYPES = {"null", "boolean", "object", "array", "number", "string", "integer"}


def _schema_problems(schema: Any, where: str) -> list[str]:
    """Keyword checks of the AsyncAPI Schema dialect that Pydantic output can break."""
    problems: list[str] = []
    stack: list[tuple[Any, str]] = [(schema, where)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, list):
            stack.extend((v, f"{at}/{i}") for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if "discriminator" in node and not isinstance(node["discriminator"], str):
            problems.append(f"{at}/discriminator: must be a property name (string)")
        kinds = node.get("type")
        for kind in kinds if isinstance(kinds, list) else [kinds] if kinds is not None else []:
            if not isinstance(kind, str) or kind not in _TYPES:
                problems.append(f"{at}/type: unknown JSON Schema type {kind!r}")
        for key in ("$defs", "prefixItems"):
            if key in node:
                problems.append(f"{at}/{key}: not part of the AsyncAPI Schema (Draft 07) dialect")
        for key, value in node.items():
            if key in _MAPS and isinstance(value, dict):  # name -> schema maps
                stack.extend((sub, f"{at}/{key}/{name}") for name, sub in value.items())
            elif key not in _LITERALS:
                stack.append((value, f"{at}/{key}"))
    return sorted(problems)


def _semantics(doc: dict[str, Any]) -> list[str]:
    components: dict[str, Any] = doc.get("components") or {}
    problems = []
    for name, schema in (components.get("schemas") or {}).items():
        problems += _schema_problems(schema, f"components/schemas/{name}")
    problems += [
        f"{where}: $ref {ref!r} does not resolve"
        for where, ref in _refs(doc)
        if _pointer(doc, ref) is _MISSING
    ]
    channels = doc.get("channels") or {}
    for cid, channel in channels.items():
        if not isinstance(channel, dict) or "$ref" in channel:
            continue
        declared = set(channel.get("parameters") or {})
        used = address_parameters(channel.get("address"))
        for name in used:
            if name not in declared:
                problems.append(f"channels/{cid}: address parameter {name!r} is not declared")
        for name in sorted(declared - set(used)):
            problems.append(f"channels/{cid}/parameters/{name}: not in the channel address")
    for oid, op in (doc.get("operations") or {}).items():
        if not isinstance(op, dict) or "$ref" in op:
            continue
        where = f"operations/{oid}"
        cid = _channel_id((op.get("channel") or {}).get("$ref"))
        if cid is None:
            problems.append(f"{where}/channel: must be a $ref to #/channels/<id>")
        problems += _message_refs(doc, f"{where}/messages", cid, op.get("messages"), "message")
        reply = op.get("reply")
        if isinstance(reply, dict) and "$ref" not in reply:
            reply_channel = reply.get("channel")
            rcid = (
                _channel_id(reply_channel.get("$ref")) if isinstance(reply_channel, dict) else cid
            )
            problems += _message_refs(
                doc, f"{where}/reply/messages", rcid, reply.get("messages"), "reply message"
            )
    return problems


def validate_document(data: Any) -> list[str]:
    """Every problem found in ``data`` (a parsed document), as ``location: reason`` lines.

    An empty list means the document is valid.
    """
    if not isinstance(data, dict):
        return [f"(root): an AsyncAPI document is a mapping, got {type(data).__name__}"]
    if data.get("asyncapi") != "3.0.0":
        return [f"asyncapi: expected '3.0.0', got {data.get('asyncapi')!r}"]
    # Cross-reference checks assume the structure is right, so they run only then.
    return _structure(data) or _semantics(data)


def validate_file(path: str | Path) -> list[str]:
    """:func:`validate_document` of a JSON or YAML file (raises :class:`SpecFileError`)."""
    return validate_document(load_file(path))
