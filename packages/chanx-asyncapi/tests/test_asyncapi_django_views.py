"""chanx.channels.views / urls over the Django test client, and the management command.

Every document served or written is checked by the official ``@asyncapi/parser``.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from asyncapi_tools import ParseFn

pytestmark = [pytest.mark.django, pytest.mark.timeout(600)]

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples" / "django_chat"
ADDRESSES = {"/ws/rooms/{pk}/", "/ws/private/{room_id}/"}


@pytest.fixture(scope="module", autouse=True)
def django_example() -> None:
    """The django_chat example's settings (the same set-up chanx-django's tests use)."""
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    from django_chat import testsetup

    testsetup.setup()


@pytest.fixture
def client() -> Iterator[Any]:
    from django.test import Client, override_settings

    with override_settings(ROOT_URLCONF="asyncapi_django_urls", STATIC_URL="/static/"):
        yield Client()


def _check(parse: ParseFn, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (verdict,) = parse(path)
    assert verdict["errors"] == [], verdict
    assert verdict["parsed"] is True


def test_discovery_of_the_project() -> None:
    from chanx.channels.discovery import DjangoRouteDiscovery

    routes = DjangoRouteDiscovery().discover_routes("wss://chat.example.com")
    assert {r.channel_path for r in routes} == ADDRESSES
    assert {r.base_url for r in routes} == {"wss://chat.example.com"}
    rooms = next(r for r in routes if r.channel_path == "/ws/rooms/{pk}/")
    assert rooms.path == "ws/rooms/<int:pk>/"
    assert rooms.path_params == {"pk": "int"}


def test_discovery_base_url_from_the_setting_or_the_request() -> None:
    from django.test import RequestFactory, override_settings

    from chanx.channels.discovery import DjangoRouteDiscovery

    request = RequestFactory().get("/", secure=True)
    discovery = DjangoRouteDiscovery()
    assert discovery.get_base_url(request) == "wss://testserver"
    with override_settings(CHANX={"WEBSOCKET_BASE_URL": "wss://chat.example.com"}):
        routes = discovery.get_websocket_routes(request)
    assert {r.base_url for r in routes} == {"wss://chat.example.com"}


def test_schema_view_json_and_yaml(client: Any, tmp_path: Path, asyncapi_parser: ParseFn) -> None:
    from django.test import override_settings

    chanx = {
        "ASYNCAPI_TITLE": "Chat API",
        "ASYNCAPI_VERSION": "2.0.0",
        "ASYNCAPI_DESCRIPTION": "Rooms and private chats",
        "LOG_IGNORED_ACTIONS": ["ping", "pong"],
    }
    with override_settings(CHANX=chanx):
        response = client.get("/asyncapi/schema/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert data["info"] == {
            "title": "Chat API",
            "version": "2.0.0",
            "description": "Rooms and private chats",
        }
        assert data["servers"] == {"production": {"host": "testserver", "protocol": "ws"}}
        assert {c["address"] for c in data["channels"].values()} == ADDRESSES
        _check(asyncapi_parser, tmp_path, "django.json", response.content.decode())

        as_yaml = client.get("/asyncapi/schema/?format=YAML", secure=True)
        assert as_yaml.status_code == 200
        assert as_yaml["Content-Type"] == "application/yaml; charset=utf-8"
        from_yaml = yaml.safe_load(as_yaml.content)
        assert from_yaml["servers"] == {"production": {"host": "testserver", "protocol": "wss"}}
        assert list(from_yaml) == list(data)  # key order kept
        _check(asyncapi_parser, tmp_path, "django.yaml", as_yaml.content.decode())

        bad = client.get("/asyncapi/schema/?format=xml")
        assert bad.status_code == 400
        assert json.loads(bad.content) == {"error": "Invalid format. Supported formats: json, yaml"}


def test_server_settings_and_camelize(client: Any) -> None:
    from django.test import override_settings

    chanx = {
        "ASYNCAPI_SERVER_URL": "chat.example.com",
        "ASYNCAPI_SERVER_PROTOCOL": "wss",
        "CAMELIZE": True,
        "ASYNCAPI_SECURITY_SCHEMES": {
            "session": {"type": "httpApiKey", "name": "sessionid", "in": "cookie"}
        },
    }
    with override_settings(CHANX=chanx):
        data = json.loads(client.get("/asyncapi/schema/").content)
    assert data["servers"] == {"production": {"host": "chat.example.com", "protocol": "wss"}}
    assert data["components"]["securitySchemes"]["session"]["in"] == "cookie"
    names = {p for s in data["components"]["schemas"].values() for p in s.get("properties", {})}
    assert not any("_" in name for name in names - {"ref"}), names  # camelCase everywhere
    servers = {"edge": {"host": "edge.example.com", "protocol": "wss"}}
    with override_settings(CHANX={"ASYNCAPI_SERVERS": servers}):
        assert json.loads(client.get("/asyncapi/schema/").content)["servers"] == servers
    with override_settings(CHANX={"ASYNCAPI_SERVERS": {"edge": {"host": "x"}}}):
        failed = client.get("/asyncapi/schema/")
        page = client.get("/asyncapi/docs/")
    assert failed.status_code == 500
    assert json.loads(failed.content)["error"].startswith("Failed to generate schema: ")
    assert page.status_code == 500
    assert b'role="alert"' in page.content


def test_docs_view_pages(client: Any) -> None:
    from django.test import override_settings

    page = client.get("/asyncapi/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script" not in html  # chanx's own page: offline, no JavaScript
    assert 'href="/asyncapi/schema/"' in html
    assert 'href="/asyncapi/schema/?format=yaml"' in html
    chanx = {"ASYNCAPI_DOCS_JS_URL": "asyncapi/standalone.js", "ASYNCAPI_DOCS_CSS_URL": "/a.css"}
    templates = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
    with override_settings(CHANX=chanx, TEMPLATES=templates):
        component = client.get("/asyncapi/docs/").content.decode()
    assert '<script src="/static/asyncapi/standalone.js"></script>' in component
    assert '<link rel="stylesheet" href="/a.css">' in component
    with override_settings(CHANX={"ASYNCAPI_DOCS_JS_URL": "https://cdn.example.com/x.js"}):
        unpinned = client.get("/asyncapi/docs/")
    assert unpinned.status_code == 500
    assert b"needs an SRI hash" in unpinned.content
    assert b"<script" not in unpinned.content


def test_an_overridden_template_gets_the_documented_context(client: Any, tmp_path: Path) -> None:
    from django.test import override_settings

    folder = tmp_path / "channels"
    folder.mkdir()
    (folder / "asyncapi_docs.html").write_text("{{ title }}|{{ error }}|{{ schema_json|length }}")
    templates = [
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [str(tmp_path)]}
    ]
    with override_settings(TEMPLATES=templates, CHANX={"ASYNCAPI_TITLE": "Mine"}):
        title, error, size = client.get("/asyncapi/docs/").content.decode().split("|")
    assert (title, error) == ("Mine", "None")
    assert int(size) > 100


def test_command_writes_yaml_to_stdout_and_json_to_a_file(
    tmp_path: Path, asyncapi_parser: ParseFn
) -> None:
    from django.core.management import call_command
    from django.test import override_settings

    out = io.StringIO()
    with override_settings(CHANX={"WEBSOCKET_BASE_URL": "wss://chat.example.com"}):
        call_command("generate_asyncapi_schema", stdout=out)
    data = yaml.safe_load(out.getvalue())
    assert data["info"] == {
        "title": "AsyncAPI Documentation",
        "version": "1.0.0",
        "description": "",
    }
    assert data["servers"] == {"production": {"host": "chat.example.com", "protocol": "wss"}}
    _check(asyncapi_parser, tmp_path, "command.yaml", out.getvalue())

    target = tmp_path / "spec.json"
    out = io.StringIO()
    call_command(
        "generate_asyncapi_schema", "--format", "json", "--file", str(target),
        "--base-url", "127.0.0.1:8001", "--title", "Chät", "--api-version", "3.1",
        "--description", "Über", stdout=out,
    )  # fmt: skip
    assert out.getvalue().strip() == f"AsyncAPI schema successfully generated: {target}"
    text = target.read_text(encoding="utf-8")
    assert '"title": "Chät"' in text  # non-ASCII kept, indented 2
    data = json.loads(text)
    assert data["info"] == {"title": "Chät", "version": "3.1", "description": "Über"}
    assert data["servers"] == {"development": {"host": "127.0.0.1:8001", "protocol": "ws"}}
    _check(asyncapi_parser, tmp_path, "command.json", text)


def test_command_warnings_and_errors(tmp_path: Path, asyncapi_parser: ParseFn) -> None:
    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate_asyncapi_schema", "--discovery-class", "asyncapi_django_urls.EmptyDiscovery",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert "no WebSocket routes found" in err.getvalue()
    assert yaml.safe_load(out.getvalue())["channels"] == {}
    _check(asyncapi_parser, tmp_path, "empty.yaml", out.getvalue())
    with pytest.raises(CommandError, match=r"Failed to generate schema: .*nowhere"):
        call_command("generate_asyncapi_schema", "--discovery-class", "nowhere.Discovery")
