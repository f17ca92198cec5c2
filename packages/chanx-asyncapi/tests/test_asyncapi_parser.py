"""Generated documents pass the official ``@asyncapi/parser`` AND ``chanx-asyncapi validate``.

Specs are produced by the console script from real applications: the kitchen-sink app, the
ASGI demo (``demo/``) and the Django example (``examples/django_chat``). The parser fails a
document on any severity-0 diagnostic.
"""

from __future__ import annotations

import json
from pathlib import Path

import asyncapi_kitchen as kitchen
import pytest
from asyncapi_cli_support import TESTS_DIR, run_cli

from chanx.asyncapi import generate, to_json
from conftest import ParseFn

REPO = TESTS_DIR.parents[2]

# The first run installs the parser with npm: more time than the suite default.
pytestmark = pytest.mark.timeout(600)

APPS = {
    "kitchen-starlette": ("asyncapi_kitchen:app", TESTS_DIR),
    "kitchen-explicit": ("asyncapi_kitchen:routes", TESTS_DIR),
    "asgi-demo": ("demo.app:app", REPO),
    "django-chat": ("django_chat.asgi:application", REPO / "examples" / "django_chat"),
}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
@pytest.mark.parametrize("name", list(APPS))
def test_generated_specs_are_valid(
    name: str, fmt: str, tmp_path: Path, asyncapi_parser: ParseFn
) -> None:
    target, app_dir = APPS[name]
    out = tmp_path / f"{name}.{fmt}"
    generated = run_cli(
        "generate", target, "--app-dir", str(app_dir), "-o", str(out),
        "--server-url", "ws://127.0.0.1:8000",
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    validated = run_cli("validate", str(out))
    assert validated.returncode == 0, validated.stderr
    verdict = asyncapi_parser(out)
    assert verdict["errors"] == []
    assert verdict["parsed"] is True
    assert verdict["returncode"] == 0


def test_the_parser_check_is_not_vacuous(tmp_path: Path, asyncapi_parser: ParseFn) -> None:
    data = json.loads(to_json(generate(kitchen.routes)))
    data["operations"]["kitchen.receive.ping"]["messages"] = [
        {"$ref": "#/channels/PlainConsumer/messages/PingMessage"}
    ]
    data["components"]["schemas"]["ChatMessage"]["discriminator"] = {"propertyName": "action"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    verdict = asyncapi_parser(bad)
    assert verdict["returncode"] == 1
    codes = {e["code"] for e in verdict["errors"]}
    assert "asyncapi3-operation-messages-from-referred-channel" in codes
    assert any("discriminator" in e["message"] for e in verdict["errors"])
    assert run_cli("validate", str(bad)).returncode == 1  # ours agrees
