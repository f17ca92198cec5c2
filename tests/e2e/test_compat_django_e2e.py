"""The chanx 2.x-style project (tests/compat/django_project) under daphne, over real sockets.

DRF token authentication, object permission through the route's ``room_id``, a
``get_object()`` override calling ``super()``, ``SEND_COMPLETION`` from ``CHANX``, a room
broadcast and an event from a management command in another process (channels_redis).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import django_projects
import pytest
from django_projects import daphne_argv, open_ws, recv_json, refused
from websockets.asyncio.client import ClientConnection

pytestmark = [pytest.mark.e2e, pytest.mark.django, pytest.mark.redis]

PROJECT = Path(__file__).resolve().parents[1] / "compat" / "django_project"


def manage(env: dict[str, str], *args: str) -> str:
    return django_projects.manage(PROJECT, env, *args)


@pytest.fixture
def project(tmp_path: Path, redis_url: str, seeded_db: Any) -> dict[str, Any]:
    env = {
        "PYTHONPATH": str(PROJECT),
        "DJANGO_SETTINGS_MODULE": "compat_django.settings",
        "COMPAT_DB": str(tmp_path / "compat.sqlite3"),
        "COMPAT_REDIS_URL": redis_url,
        "COMPAT_LAYER_PREFIX": f"chanx-compat-{uuid.uuid4().hex[:10]}",
    }
    return {"env": env, **seeded_db(PROJECT, env, "COMPAT_DB", "seed_rooms")}


@pytest.fixture
def server(start_server: Any, project: dict[str, Any]) -> Any:
    return start_server(daphne_argv("compat_django.asgi:application"), env=project["env"])


async def reply(ws: ClientConnection) -> Any:
    """The next frame that is not the success authentication frame."""
    while (frame := await recv_json(ws))["action"] == "authentication":
        assert frame["payload"]["status_code"] == 200
    return frame


COMPLETIONS = {"complete", "group_complete", "event_complete"}


async def content(ws: ClientConnection) -> Any:
    """The next frame that is neither an authentication nor a completion frame."""
    while (frame := await reply(ws))["action"] in COMPLETIONS:
        pass
    return frame


async def test_members_chat_and_get_announcements(server: Any, project: dict[str, Any]) -> None:
    tokens, den = project["tokens"], f"/ws/rooms/{project['rooms']['den']}/"
    async with open_ws(server, den, tokens["alice"]) as alice:
        await alice.send(json.dumps({"action": "ping"}))
        assert await reply(alice) == {"action": "pong", "payload": None}
        assert (await recv_json(alice))["action"] == "complete"  # SEND_COMPLETION in CHANX
        async with open_ws(server, den, tokens["carol"]) as carol:
            await carol.send(json.dumps({"action": "ping"}))  # carol is in the group now
            assert (await reply(carol))["action"] == "pong"
            await alice.send(json.dumps({"action": "chat", "payload": {"text": "hi"}}))
            line = {
                "action": "chat_line",
                "payload": {"text": "hi", "author": "alice", "room": "den"},
            }
            assert await content(alice) == line  # the broadcast reaches the sender too
            assert await content(carol) == line
            room = str(project["rooms"]["den"])
            await asyncio.to_thread(manage, project["env"], "announce", room, "closing soon")
            announcement = {"action": "announcement", "payload": {"text": "closing soon"}}
            assert await content(carol) == announcement
            assert await content(alice) == announcement


async def test_refusals_close_with_4000_plus_the_drf_status(
    server: Any, project: dict[str, Any]
) -> None:
    tokens, den = project["tokens"], f"/ws/rooms/{project['rooms']['den']}/"
    assert (await refused(server, den))[1] == 4401  # no token
    assert (await refused(server, den, "f" * 40))[1] == 4401  # unknown token
    assert (await refused(server, den, tokens["bob"]))[1] == 4403  # not a member
    assert (await refused(server, "/ws/rooms/999999/", tokens["alice"]))[1] == 4404


async def test_the_documented_authentication_frames(server: Any, project: dict[str, Any]) -> None:
    tokens, den = project["tokens"], f"/ws/rooms/{project['rooms']['den']}/"
    async with open_ws(server, den, tokens["alice"]) as alice:
        assert await recv_json(alice) == {
            "action": "authentication",
            "payload": {"status_code": 200, "status_text": "OK", "data": {"detail": "OK"}},
        }
    payload, _ = await refused(server, den, tokens["bob"])
    assert payload == {
        "status_code": 403,
        "status_text": "Forbidden",
        "data": {"detail": "You are not a member of this room."},
    }
    payload, _ = await refused(server, den)
    assert payload["data"] == {"detail": "Authentication credentials were not provided."}
    payload, _ = await refused(server, "/ws/rooms/999999/", tokens["alice"])
    assert payload == {
        "status_code": 404,
        "status_text": "Not Found",
        "data": {"detail": "No Room matches the given query."},
    }


def test_the_projects_own_test_suite_passes(tmp_path: Path) -> None:
    """``manage.py test`` runs the project's tests, written with the documented helpers."""
    env = {
        "PYTHONPATH": str(PROJECT),
        "DJANGO_SETTINGS_MODULE": "compat_django.settings",
        "COMPAT_DB": str(tmp_path / "compat-tests.sqlite3"),
    }
    environ = {k: v for k, v in os.environ.items() if k != "COMPAT_REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "test", "compat_rooms", "--verbosity", "2"],
        cwd=PROJECT, env={**environ, **env}, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Ran 3 tests" in result.stderr
