"""The project's own tests, written with chanx 2.x's documented testing helpers only."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from compat_fastapi.app import app  # noqa: E402
from compat_fastapi.consumers import JobConsumer, RoomConsumer  # noqa: E402
from compat_fastapi.messages import (  # noqa: E402
    ChatMessage,
    ChatNotification,
    ChatPayload,
    JobAccepted,
    JobProgress,
    JobProgressEvent,
    StartJob,
    Welcome,
)

from chanx.constants import GROUP_ACTION_COMPLETE  # noqa: E402
from chanx.core.testing import capture_broadcast_events  # noqa: E402
from chanx.fast_channels.testing import WebsocketCommunicator  # noqa: E402
from chanx.messages.incoming import PingMessage  # noqa: E402
from chanx.messages.outgoing import PongMessage  # noqa: E402

pytestmark = pytest.mark.asgi


async def test_ping_and_welcome() -> None:
    comm = WebsocketCommunicator(app, "/ws/room/lobby", consumer=RoomConsumer)
    connected, _ = await comm.connect()
    assert connected
    assert await comm.receive_all_messages(stop_action="welcome") == [Welcome(payload="lobby")]
    await comm.send_message(PingMessage())
    assert await comm.receive_all_messages() == [PongMessage()]
    await comm.disconnect()


async def test_chat_reaches_the_room() -> None:
    alice = WebsocketCommunicator(app, "/ws/room/blue", consumer=RoomConsumer)
    bob = WebsocketCommunicator(app, "/ws/room/blue", consumer=RoomConsumer)
    async with alice, bob:
        await alice.receive_all_messages(stop_action="welcome")
        await bob.receive_all_messages(stop_action="welcome")
        await alice.send_message(ChatMessage(payload=ChatPayload(message="hi")))
        expected = ChatNotification(payload=ChatPayload(message="hi"))
        assert await bob.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE) == [expected]
        frames = await alice.receive_all_json(timeout=0.5)
        assert sorted(f["action"] for f in frames) == [
            "chat_notification",
            "complete",
            "group_complete",
        ]


async def test_background_job_reports_progress() -> None:
    async with WebsocketCommunicator(app, "/ws/jobs", consumer=JobConsumer) as comm:
        await comm.send_message(StartJob(payload=3))
        assert await comm.receive_all_messages() == [JobAccepted(payload=3)]
        progress = []
        for _ in range(3):
            progress += await comm.receive_all_messages(stop_action="event_complete")
        assert progress == [JobProgress(payload=n) for n in (1, 2, 3)]


async def test_broadcast_events_can_be_captured() -> None:
    with capture_broadcast_events(JobConsumer) as seen:
        await JobConsumer.broadcast_event(JobProgressEvent(payload=9), "jobs")
    assert seen[0].groups == "jobs"
    assert seen[0].event == JobProgressEvent(payload=9)


async def test_asyncapi_endpoints_describe_the_sockets() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        spec = (await client.get("/asyncapi.json")).json()
        assert spec["info"]["title"] == "Compat rooms sockets"
        assert {"room", "jobs"} <= set(spec["channels"])
        yaml_doc = await client.get("/asyncapi.yaml")
        assert yaml_doc.headers["content-type"].startswith("application/x-yaml")
        page = await client.get("/asyncapi")
        assert page.status_code == 200
        assert "Compat rooms sockets" in page.text
