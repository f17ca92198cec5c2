"""Generator edge cases no app of these tests produces: the generated code is imported and used.

Each document is written by hand (an AsyncAPI 3 document from any producer, not only chanx),
run through the Python or TypeScript emitter, and the result is checked by what a user sees:
the package imports, its models validate, names do not collide, comments stay comments.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from client_node_tools import ensure_node_modules
from pydantic import ValidationError

from chanx.client_generator import _python_emitter, _typescript_emitter
from chanx.client_generator._spec import read_api


def document(
    channels: dict[str, list[tuple[str, dict[str, Any]]]], **schemas: dict[str, Any]
) -> dict[str, Any]:
    """A document whose channel ``key`` has one ``send`` operation per ``(name, schema)``."""
    doc: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": "edges", "version": "1"},
        "channels": {},
        "operations": {},
        "components": {"schemas": dict(schemas), "messages": {}},
    }
    for key, messages in channels.items():
        doc["channels"][key] = {"address": f"/ws/{key}"}
        for name, schema in messages:
            doc["components"]["schemas"][name] = schema
            doc["components"]["messages"][f"{key}_{name}"] = {
                "name": name,
                "payload": {"$ref": f"#/components/schemas/{name}"},
            }
            doc["operations"][f"{key}.send.{name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{key}"},
                "messages": [{"$ref": f"#/components/messages/{key}_{name}"}],
            }
    return doc


def tagged(tag: str, discriminator: str = "action", **props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {discriminator: {"const": tag}, **props},
        "required": [discriminator, *props],
    }


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Any]:
    """``generated(doc)``: the Python client of ``doc`` written out and importable."""
    names: list[str] = []

    def write(doc: dict[str, Any]) -> tuple[dict[str, str], str]:
        package = f"edges_{len(names)}_{tmp_path.name.replace('-', '_')}"
        names.append(package)
        files = _python_emitter.emit(read_api(doc))
        for rel, text in files.items():
            path = tmp_path / package / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return files, package

    sys.path.insert(0, str(tmp_path))
    try:
        yield write
    finally:
        sys.path.remove(str(tmp_path))
        for name in list(sys.modules):
            if name.split(".")[0] in names:
                del sys.modules[name]


def load(package: str, module: str) -> ModuleType:
    return importlib.import_module(f"{package}.{module}")


def test_boolean_const_and_number_enums_give_importable_models(generated: Any) -> None:
    flags = tagged("flags", strict={"const": True, "type": "boolean"}, ratio={"enum": [0.5, 1.5]})
    flags["properties"]["level"] = {"enum": [1, 2, None]}
    _, package = generated(document({"c": [("Flags", flags)]}))
    model = load(package, "c.messages").Flags
    ok = model.model_validate({"action": "flags", "strict": True, "ratio": 1.5, "level": 2})
    assert (ok.strict, ok.ratio, ok.level) == (True, 1.5, 2)
    assert model.model_validate({"action": "flags", "strict": True, "ratio": 0.5}).level is None
    with pytest.raises(ValidationError):
        model.model_validate({"action": "flags", "strict": False, "ratio": 0.5})
    with pytest.raises(ValidationError):
        model.model_validate({"action": "flags", "strict": True, "ratio": 0.5, "level": 3})


def test_descriptions_with_quotes_and_backslashes_stay_docstrings(generated: Any) -> None:
    text = 'Say """hi""" to C:\\rooms\\new'
    schema = {**tagged("hi"), "description": text}
    _, package = generated(document({"c": [("Hi", schema)]}))
    assert load(package, "c.messages").Hi.__doc__ == text
    early = {**schema, "description": "ends */ early"}
    ts = _typescript_emitter.emit(read_api(document({"c": [("Hi", early)]})))
    decl = ts["messages.ts"].split("export interface Hi")[0]
    assert decl.count("*/") == 1  # the comment closes once, after the whole description


def test_a_type_discriminator_is_found_and_used(generated: Any) -> None:
    doc = document(
        {
            "c": [
                ("Joined", tagged("joined", "type", who={"type": "string"})),
                ("Left", tagged("left", "type", who={"type": "string"})),
            ]
        }
    )
    api = read_api(doc)
    assert api.discriminator == "type"
    assert [m.tag for m in api.channels[0].incoming] == ["joined", "left"]
    _, package = generated(doc)
    client = load(package, "c.client")
    frame = client.CClient.incoming_message.validate_python({"type": "left", "who": "ann"})
    assert type(frame).__name__ == "Left"


def test_action_wins_over_another_shared_constant() -> None:
    doc = document(
        {
            "c": [
                ("A", tagged("a", _type={"const": "k"})),
                ("B", tagged("b", _type={"const": "k"})),
            ]
        }
    )
    assert read_api(doc).discriminator == "action"


@pytest.mark.parametrize("key", ["class", "base", "shared", "1st"])
def test_awkward_channel_keys_get_their_own_importable_package(generated: Any, key: str) -> None:
    files, package = generated(document({key: [("Ping", tagged("ping"))]}))
    folders = {rel.split("/")[0] for rel in files if "/" in rel}
    assert folders == {"base", f"channel_{key}"}
    assert files["base/client.py"] == _python_emitter.BASE_FILES["base/client.py"]
    module = load(package, f"channel_{key}")
    assert module.Ping(action="ping").action == "ping"
    (client,) = [getattr(module, n) for n in module.__all__ if n.endswith("Client")]
    assert client.path == f"/ws/{key}"


def test_schema_names_starting_with_a_digit_become_classes(generated: Any) -> None:
    _, package = generated(document({"c": [("2fa", tagged("code", code={"type": "string"}))]}))
    assert load(package, "c.messages").M2fa(code="1234").code == "1234"


def test_message_refs_with_escaped_slashes_are_followed() -> None:
    doc = document({"c": [("Ping", tagged("ping"))]})
    messages = doc["components"]["messages"]
    messages["a/b"] = messages.pop("c_Ping")
    doc["operations"]["c.send.Ping"]["messages"] = [{"$ref": "#/components/messages/a~1b"}]
    assert [m.tag for m in read_api(doc).channels[0].incoming] == ["ping"]


def test_open_tuples_are_lists() -> None:
    from chanx.client_generator._pytypes import annotation
    from chanx.client_generator._tstypes import ts_type

    # prefixItems without maxItems allow more items after the prefix: not a fixed tuple
    schema = {"type": "array", "prefixItems": [{"type": "string"}]}
    assert (annotation(schema), ts_type(schema)) == ("list[Any]", "unknown[]")
    empty = {"type": "array", "prefixItems": [], "maxItems": 0}
    assert (annotation(empty), ts_type(empty)) == ("tuple[()]", "[]")


def test_descriptions_ending_in_a_quote_stay_docstrings(generated: Any) -> None:
    doc = document({"c": [("Hi", {**tagged("hi"), "description": 'Answer "hi"'})]})
    doc["channels"]["c"]["description"] = 'Rooms live in C:\\rooms, say "hi"'
    _, package = generated(doc)
    assert load(package, "c.messages").Hi.__doc__ == 'Answer "hi"'
    assert load(package, "c.client").CClient.__doc__ == 'Rooms live in C:\\rooms, say "hi"'


def test_send_methods_never_shadow_the_runtime_or_each_other(generated: Any) -> None:
    """Tags that are runtime members, keywords, digits or collide after snake_case."""
    from chanx.client import BaseClient

    tags = ["connect", "class", "2fa", "say-it", "say_it"]
    doc = document({"c": [(f"M{i}", tagged(tag)) for i, tag in enumerate(tags)]})
    greet = tagged("greet", text={"type": "string"}, lang={"type": "string", "default": "en"})
    doc["components"]["schemas"]["Greet"] = greet
    doc["components"]["messages"]["greet"] = {"payload": {"$ref": "#/components/schemas/Greet"}}
    doc["operations"]["c.send.greet"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/c"},
        "messages": [{"$ref": "#/components/messages/greet"}],
    }
    for op in doc["operations"].values():
        op["action"] = "receive"  # the server receives: the client gets a method per message
    _, package = generated(doc)
    cls = load(package, "c.client").CClient
    assert cls.connect is BaseClient.connect
    sent: list[Any] = []

    async def capture(message: Any) -> None:
        sent.append(message)

    client = cls("localhost:1")
    client.send_message = capture
    methods = [
        getattr(client, n) for n in dir(cls) if not n.startswith("_") and n not in dir(BaseClient)
    ]

    async def call_all() -> None:
        for method in methods:
            params = inspect.signature(method).parameters
            await method(**dict.fromkeys(params, "hi"))

    asyncio.run(call_all())
    assert sorted(m.action for m in sent) == sorted([*tags, "greet"])
    (greeting,) = [m for m in sent if m.action == "greet"]
    assert (greeting.text, greeting.lang) == ("hi", "en")  # a defaulted field is no argument


def test_typescript_send_methods_never_shadow_the_runtime_or_each_other(tmp_path: Path) -> None:
    """The same awkward tags in TypeScript: ``tsc --strict`` accepts a driver calling each one."""
    tags = ["connect", "2fa", "say-it", "say_it"]
    doc = document({"c": [(f"M{i}", tagged(tag)) for i, tag in enumerate(tags)]})
    extra = {
        "Greet": tagged("greet", text={"type": "string"}, lang={"type": "string", "default": "en"}),
        "Lookup": tagged("lookup"),
    }
    extra["Lookup"]["properties"] |= {"x-id": {"type": "string"}, "v": {"const": 2}}
    extra["Lookup"]["required"] += ["x-id", "v"]
    for name, schema in extra.items():
        doc["components"]["schemas"][name] = schema
        doc["components"]["messages"][name] = {"payload": {"$ref": f"#/components/schemas/{name}"}}
        doc["operations"][f"c.send.{name}"] = {
            "action": "send",
            "channel": {"$ref": "#/channels/c"},
            "messages": [{"$ref": f"#/components/messages/{name}"}],
        }
    for op in doc["operations"].values():
        op["action"] = "receive"
    for rel, text in _typescript_emitter.emit(read_api(doc)).items():
        (tmp_path / rel).write_text(text)
    (tmp_path / "driver.ts").write_text(
        'import { CClient } from "./c.js";\n'
        "export async function drive(client: CClient): Promise<void> {\n"
        "  await client.connect();\n"  # still the runtime's connect
        '  client.connect_(); client._2fa(); client.sayIt(); client.sayIt_(); client.greet("hi");\n'
        '  client.lookup("id-1");\n'
        "}\n"
    )
    tsc = ensure_node_modules() / ".bin" / "tsc"
    flags = "--strict --noEmit --noImplicitOverride --noUnusedLocals --target ES2022 --module"
    flags += " ES2022 --moduleResolution Bundler --lib ES2022,DOM"
    result = subprocess.run(
        [str(tsc), *flags.split(), *sorted(str(p) for p in tmp_path.glob("*.ts"))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_topic_only_address_gets_a_connection_named_apart_from_other_channels(
    generated: Any,
) -> None:
    """``hub_room`` (topic ``room``) on ``/ws/hub`` needs a connection; ``hub`` is taken."""
    doc = document({"hub": [("Said", tagged("said"))], "hub_room": [("Line", tagged("line"))]})
    doc["channels"]["hub"]["address"] = "/ws/other"
    doc["channels"]["hub_room"]["address"] = "/ws/hub"
    doc["channels"]["hub_room"]["x-topic"] = {"name": "room", "pattern": "room:{id}"}
    files, package = generated(doc)
    assert {rel.split("/")[0] for rel in files if "/" in rel} == {
        "base", "hub", "hub_room", "hub_room_connection"
    }  # fmt: skip
    assert load(package, "hub").HubClient.path == "/ws/other"
    connection = load(package, "hub_room_connection").HubRoomConnectionClient("localhost:1")
    assert connection.path == "/ws/hub"
    handle = connection.room(id="7")
    assert type(handle).__name__ == "HubRoomClient"
    assert handle.topic == "room:7"


def test_a_ref_cycle_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """Run apart, with a deadline: the generator would otherwise spin forever on the cycle."""
    doc = document({"c": [("Ping", tagged("ping"))]})
    doc["components"]["messages"]["a"] = {"$ref": "#/components/messages/b"}
    doc["components"]["messages"]["b"] = {"$ref": "#/components/messages/a"}
    doc["operations"]["c.send.Ping"]["messages"] = [{"$ref": "#/components/messages/a"}]
    spec = tmp_path / "cycle.json"
    spec.write_text(json.dumps(doc))
    result = subprocess.run(
        [sys.executable, "-m", "chanx.client_generator", "generate-client",
         "-s", str(spec), "-o", str(tmp_path / "out"), "--no-format"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "longer than 32 (a cycle?)" in result.stdout + result.stderr


def test_a_payload_composed_of_two_schemas_keeps_both(generated: Any) -> None:
    """``allOf`` of two message parts is not cut down to the first part's fields."""
    doc = document({"c": [("Ping", tagged("ping"))]})
    doc["components"]["schemas"]["Extra"] = {
        "type": "object", "properties": {"note": {"type": "string"}}, "required": ["note"]
    }  # fmt: skip
    doc["components"]["messages"]["c_Ping"] = {
        "name": "noted_ping",
        "payload": {
            "allOf": [{"$ref": "#/components/schemas/Ping"}, {"$ref": "#/components/schemas/Extra"}]
        },
    }
    _, package = generated(doc)
    frame = {"action": "ping", "note": "kept"}
    parsed = load(package, "c.client").CClient.incoming_message.validate_python(frame)
    assert parsed == frame  # no narrower type is known for the composition: the frame as is


def test_an_inline_payload_named_like_another_schema_keeps_its_own_fields(generated: Any) -> None:
    doc = document({"c": [("Ping", tagged("ping"))], "d": [("Other", tagged("other"))]})
    note = tagged("noted", note={"type": "string"})
    doc["components"]["messages"]["d_Other"] = {"name": "ping", "payload": note}
    _, package = generated(doc)
    client = load(package, "d.client").DClient
    parsed = client.incoming_message.validate_python({"action": "noted", "note": "kept"})
    assert parsed.note == "kept"
    assert (
        load(package, "c.client")
        .CClient.incoming_message.validate_python({"action": "ping"})
        .action
        == "ping"
    )
