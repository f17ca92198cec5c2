"""Generated clients of the django_chat example against a real daphne server (DRF tokens).

The clients are generated for this run by ``chanx generate-client`` from the example's ASGI
application (a subprocess, so this process never configures Django), then drive daphne over
real sockets: typed request/reply (``ping``, ``members`` from the database), broadcasts
(``chat``), server events (``user_joined`` pushed by a Django view), and DRF authentication
failures as typed, final errors (invalid token: 4401; a non-member: 4403). The Python client
runs here; the TypeScript client runs under Node (the ``ws`` package's WebSocket).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from client_node_tools import NODE_DIR, ensure_node_modules

from chanx.client import Backoff, ClientState, ForbiddenError, UnauthenticatedError

pytestmark = [pytest.mark.e2e, pytest.mark.django, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "django_chat"
FAST = Backoff(initial=0.02, max_delay=0.2, max_retries=None)


@pytest.fixture
def chat(tmp_path: Path, redis_url: str, seeded_db: Any) -> dict[str, Any]:
    """The example's database (migrated and seeded by its own commands) and environment."""
    env = {
        "PYTHONPATH": str(EXAMPLE),
        "DJANGO_SETTINGS_MODULE": "django_chat.settings",
        "CHAT_DB": str(tmp_path / "chat.sqlite3"),
        "CHAT_REDIS_URL": redis_url,
        "CHAT_LAYER_PREFIX": f"chanx-client-e2e-{uuid.uuid4().hex[:10]}",
    }
    return {"env": env, **seeded_db(EXAMPLE, env, "CHAT_DB", "seed_chat")}


def daphne_argv() -> list[str]:
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}",
            "django_chat.asgi:application"]  # fmt: skip


def generate(out: Path, language: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "django_chat.settings"}
    result = subprocess.run(
        [
            sys.executable, "-m", "chanx.client_generator", "generate-client", "--no-format",
            "-s", "django_chat.asgi:application", "--app-dir", str(EXAMPLE), "-o", str(out),
            "-l", language,
        ],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def client_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated Python client package ``django_chat_client``, imported."""
    root = tmp_path_factory.mktemp("generated")
    generate(root / "django_chat_client", "python")
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("django_chat_client")
    finally:
        sys.path.remove(str(root))


def private(pkg: ModuleType, server: Any, token: str, room_id: int, **kwargs: Any) -> Any:
    module = importlib.import_module("django_chat_client.private_room")
    headers = {"Authorization": f"Token {token}", "Origin": server.http}
    kwargs.setdefault("reconnect", FAST)
    return module.PrivateRoomClient(
        server.ws, headers=headers, path_params={"room_id": room_id}, **kwargs
    )


def lobby(pkg: ModuleType, server: Any, token: str, room_id: int) -> Any:
    module = importlib.import_module("django_chat_client.room_chat")
    headers = {"Authorization": f"Token {token}", "Origin": server.http}
    return module.RoomChatClient(server.ws, headers=headers, path_params={"pk": room_id},
                                 reconnect=FAST)  # fmt: skip


async def in_room(shared: ModuleType, *clients: Any) -> None:
    """Each client's own chat line comes back once its consumer joined the room group."""
    for i, client in enumerate(clients):
        stream = client.messages(shared.ChatNotificationMessage)
        await client.chat(shared.ChatPayload(message=f"sync-{i}"))
        async with asyncio.timeout(10):
            async for line in stream:
                if line.payload.message == f"sync-{i}":
                    break
        stream.close()


async def test_python_client_request_reply_broadcast_and_events_over_daphne(
    start_server: Any, chat: dict[str, Any], client_pkg: ModuleType
) -> None:
    server = start_server(daphne_argv(), env=chat["env"])
    tokens, rooms = chat["tokens"], chat["rooms"]
    room = importlib.import_module("django_chat_client.private_room")
    shared = importlib.import_module("django_chat_client.shared.messages")
    async with (
        private(client_pkg, server, tokens["alice"], rooms["secret"]) as alice,
        lobby(client_pkg, server, tokens["bob"], rooms["secret"]) as bob,
    ):
        # typed request/reply, matched by ref; `members` reads the database
        pong = await alice.ping()
        assert isinstance(pong, room.PongMessage)
        members = await alice.members()
        assert isinstance(members, room.MemberListMessage)
        assert members.payload == ["alice"]

        # a broadcast reaches both connections of the room group as a typed message
        await in_room(shared, alice, bob)
        heard = bob.messages(shared.ChatNotificationMessage)
        await alice.chat(shared.ChatPayload(message="hello from python"))
        async with asyncio.timeout(10):
            line = await anext(heard)
        assert isinstance(line, shared.ChatNotificationMessage)
        assert line.payload.message == "hello from python"
        assert line.payload.username == "alice"

        # a server event, pushed by a Django view through the channel layer
        joined = alice.messages(shared.UserJoinedMessage)
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{server.http}/rooms/{rooms['secret']}/join/", params={"username": "dora"}
            )
            response.raise_for_status()
        async with asyncio.timeout(10):
            event = await anext(joined)
        assert isinstance(event, shared.UserJoinedMessage)
        assert event.payload.username == "dora"
        heard.close()
        joined.close()


@pytest.mark.parametrize(("who", "error", "code"), [
    ("nobody", UnauthenticatedError, 4401),  # not a DRF token
    ("bob", ForbiddenError, 4403),  # a valid token, but not a member of the private room
])  # fmt: skip
async def test_python_client_auth_failure_is_typed_and_final(
    start_server: Any, chat: dict[str, Any], client_pkg: ModuleType,
    who: str, error: type[Exception], code: int,
) -> None:  # fmt: skip
    server = start_server(daphne_argv(), env=chat["env"])
    token = chat["tokens"].get(who, "0" * 40)
    # The client would reconnect forever on a transient failure: it ends because auth is final.
    client = private(client_pkg, server, token, chat["rooms"]["secret"])
    async with asyncio.timeout(20):
        with pytest.raises(error) as failed:
            await client.handle()
    assert getattr(failed.value, "code", None) == code
    assert client.connections == 1
    assert client.state is ClientState.CLOSED


# -- the TypeScript client under Node ----------------------------------------------------------

DRIVER = ROOT / "tests" / "e2e" / "client_django_node.ts"


@pytest.fixture(scope="module")
def node_driver() -> Path:
    """The generated TypeScript client and the Node driver, compiled by ``tsc --strict``."""
    modules = ensure_node_modules()
    work = NODE_DIR / "build" / "django"  # under tests/node: `ws` and its types resolve
    generate(work / "client", "typescript")
    (work / "driver.ts").write_text(DRIVER.read_text())
    (work / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "strict": True, "target": "ES2022", "module": "ES2022", "moduleResolution": "Bundler",
            "lib": ["ES2022", "DOM"], "types": ["node"], "typeRoots": [str(modules / "@types")],
            "outDir": "out", "rootDir": ".", "noUnusedLocals": True,
        },
        "include": ["driver.ts", "client/*.ts"],
    }))  # fmt: skip
    (work / "package.json").write_text('{"type": "module"}')
    result = subprocess.run(
        [str(modules / ".bin" / "tsc"), "-p", str(work / "tsconfig.json")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (work / "out" / "package.json").write_text('{"type": "module"}')
    return work / "out" / "driver.js"


def test_typescript_client_over_daphne(
    start_server: Any, chat: dict[str, Any], node_driver: Path
) -> None:
    server = start_server(daphne_argv(), env=chat["env"])
    config = {
        "ws": server.ws, "http": server.http, "tokens": chat["tokens"], "rooms": chat["rooms"],
    }  # fmt: skip
    result = subprocess.run(
        ["node", str(node_driver), json.dumps(config)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "NODE_PATH": str(NODE_DIR / "node_modules")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "pong": "pong",
        "members": ["alice"],
        "heard": {"message": "hello from node", "username": "alice"},
        "joined": "erin",
        "invalid": {"error": "unauthenticated", "code": 4401, "connections": 1},
        "forbidden": {"error": "forbidden", "code": 4403, "connections": 1},
    }
