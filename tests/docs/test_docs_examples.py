"""The examples the documentation includes (docs/examples/) do what the pages say they do."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import chat_app  # noqa: E402
import consumers_guide as guide  # noqa: E402
import events_anywhere  # noqa: E402
import testing_consumers  # noqa: E402
import token_auth  # noqa: E402
import typed_events  # noqa: E402

from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer  # noqa: E402

pytestmark = pytest.mark.asgi


# -- testing page: its example tests pass ---------------------------------------------------
@pytest.mark.parametrize(
    "example",
    [
        testing_consumers.test_ping_gets_pong,
        testing_consumers.test_chat_reaches_every_member,
        testing_consumers.test_broadcast_is_recorded,
        testing_consumers.test_bad_input_gets_an_error_frame,
    ],
    ids=lambda f: f.__name__,
)
async def test_testing_page_examples_pass(example: object) -> None:
    assert callable(example)
    await example()


# -- quick start ----------------------------------------------------------------------------
async def test_quickstart_chat_is_routed_by_fastapi() -> None:
    with isolated_layer():
        async with (
            WebsocketCommunicator(chat_app.app, "/ws/chat") as one,
            WebsocketCommunicator(chat_app.app, "/ws/chat") as two,
        ):
            await one.send_json({"action": "ping"})
            assert await one.receive_text() == '{"action":"pong","payload":null}'
            assert await two.receive_nothing()
            await two.send_json({"action": "chat", "payload": {"text": "hello"}})
            for ws in (one, two):
                assert await ws.receive_json() == {
                    "action": "chat_notification",
                    "payload": {"text": "hello"},
                }


# -- consumers and decorators ---------------------------------------------------------------
async def test_returned_message_goes_to_the_sender_only() -> None:
    with isolated_layer():
        async with (
            WebsocketCommunicator(guide.RoomConsumer) as sender,
            WebsocketCommunicator(guide.RoomConsumer) as other,
        ):
            await sender.send_json({"action": "echo", "payload": "hi"})
            assert await sender.receive_json() == {"action": "echo_reply", "payload": "hi"}
            assert await other.receive_nothing()


async def test_broadcast_reaches_the_whole_group() -> None:
    with isolated_layer():
        async with (
            WebsocketCommunicator(guide.RoomConsumer) as sender,
            WebsocketCommunicator(guide.RoomConsumer) as other,
        ):
            await sender.send_json({"action": "say", "payload": "hello"})
            for ws in (sender, other):
                assert await ws.receive_json() == {
                    "action": "room_notification",
                    "payload": "hello",
                }


async def test_a_handler_returning_none_sends_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with isolated_layer(), caplog.at_level(logging.INFO, logger=guide.__name__):
        async with WebsocketCommunicator(guide.RoomConsumer) as ws:
            await ws.send_json({"action": "log", "payload": "debug me"})
            assert await ws.receive_nothing()
    assert "client log: debug me" in caplog.text


async def test_event_to_one_channel_and_to_a_group() -> None:
    with isolated_layer() as layer:
        async with WebsocketCommunicator(guide.RoomConsumer) as first:
            (first_channel,) = layer.group_members("room")
            async with WebsocketCommunicator(guide.RoomConsumer) as second:
                await guide.RoomConsumer.send_event(guide.JobFinished(payload="42"), first_channel)
                assert await first.receive_json() == {
                    "action": "job_status",
                    "payload": {"job": "42", "status": "done"},
                }
                assert await second.receive_nothing()
                await guide.RoomConsumer.broadcast_event(guide.JobFinished(payload="7"))
                for ws in (first, second):
                    assert (await ws.receive_json())["payload"] == {"job": "7", "status": "done"}


async def test_event_handler_can_send_several_messages() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(guide.RoomConsumer) as ws:
            await guide.RoomConsumer.broadcast_event(guide.ImportRequested(payload=3))
            frames = [await ws.receive_json() for _ in range(3)]
            assert frames == [{"action": "progress", "payload": n} for n in (1, 2, 3)]


async def test_passthrough_events_are_forwarded_unchanged() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(guide.RoomConsumer) as ws:
            await guide.RoomConsumer.broadcast_event(guide.UserJoined(payload="ann"))
            assert await ws.receive_json() == {"action": "user_joined", "payload": "ann"}
    assert callable(getattr(guide.RoomConsumer, "handle_passthrough_user_joined", None))


def test_passthrough_events_merge_through_the_mro_and_explicit_handlers_win() -> None:
    routes = {r.keys[0]: r for r in guide.EditorConsumer._chanx.event_routes}
    assert set(routes) == {"user_joined", "user_left", "message_edited"}
    assert routes["user_joined"].name == "announce_join"
    assert routes["user_left"].name == "forward_user_left"
    assert routes["message_edited"].name == "forward_message_edited"


def test_channel_metadata() -> None:
    from chanx.core.registry import channel_info

    info = channel_info(guide.RoomConsumer)
    assert (info.name, info.tags) == ("room", ("rooms",))
    assert info.description == "A room with echo, broadcast and job updates"
    (say,) = [r for r in guide.RoomConsumer._chanx.ws_routes if r.action == "say"]
    assert say.output_type is guide.RoomNotification
    assert say.tags == ("chat",)


async def test_generic_consumer_with_a_handler_discriminated_event() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(typed_events.NoticeConsumer) as ws:
            await typed_events.announce("maintenance at noon")
            assert await ws.receive_json() == {"action": "notice", "payload": "maintenance at noon"}


# -- events from anywhere -------------------------------------------------------------------
async def test_http_endpoint_thread_and_direct_send_reach_websockets() -> None:
    app = events_anywhere.app
    with isolated_layer() as layer:
        async with WebsocketCommunicator(app, "/ws/news") as ws:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                response = await http.post("/announce", params={"text": "release 1.0"})
            assert response.json() == {"status": "sent"}
            assert await ws.receive_json() == {"action": "announcement", "payload": "release 1.0"}

            worker = events_anywhere.report_in_background("nightly numbers")
            await asyncio.to_thread(worker.join, 5)
            assert await ws.receive_json() == {
                "action": "announcement",
                "payload": "nightly numbers",
            }

            (channel_name,) = layer.group_members("news")
            await asyncio.to_thread(events_anywhere.notify_one, channel_name, "just for you")
            assert await ws.receive_json() == {"action": "private_note", "payload": "just for you"}


# -- authentication -------------------------------------------------------------------------
async def test_missing_token_is_refused_with_4401() -> None:
    with isolated_layer():
        ws = WebsocketCommunicator(token_auth.PrivateConsumer)
        assert (await ws.connect()).accepted  # accepted, then told why and closed
        frame = await ws.receive_json()
        assert frame == {
            "action": "authentication",
            "payload": {
                "status_code": 401,
                "status_text": "Unauthorized",
                "detail": "A token query parameter is required",
                "data": None,
            },
        }
        assert await ws.wait_closed() == 4401


async def test_unknown_token_is_refused_with_4403() -> None:
    with isolated_layer():
        ws = WebsocketCommunicator(token_auth.PrivateConsumer, query_string="token=nope")
        await ws.connect()
        assert (await ws.receive_json())["payload"]["status_code"] == 403
        assert await ws.wait_closed() == 4403


async def test_valid_token_joins_the_user_group() -> None:
    with isolated_layer() as layer:
        ws = WebsocketCommunicator(token_auth.PrivateConsumer, query_string="token=secret-bob")
        async with ws:
            await ws.send_json({"action": "whoami"})
            assert await ws.receive_json() == {"action": "identity", "payload": "bob"}
            assert len(layer.group_members("user_2")) == 1
        assert layer.group_members("user_2") == []


# -- the quick start, verbatim: uvicorn serves chat_app.py, a real client talks to it -----------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.e2e
async def test_quickstart_runs_under_uvicorn() -> None:
    import websockets

    port = _free_port()
    server = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "uvicorn", "chat_app:app", "--port", str(port)],
        cwd=EXAMPLES,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        url = f"ws://127.0.0.1:{port}/ws/chat"
        deadline = time.monotonic() + 20
        while True:
            try:
                alice = await websockets.connect(url)
                break
            except OSError:
                if time.monotonic() > deadline or server.returncode is not None:
                    server.terminate()
                    _, err = await server.communicate()
                    raise AssertionError(f"uvicorn did not start: {err.decode()}") from None
                await asyncio.sleep(0.1)
        async with alice, websockets.connect(url) as bob:
            await alice.send('{"action": "ping"}')
            assert await asyncio.wait_for(alice.recv(), 5) == '{"action":"pong","payload":null}'
            await bob.send('{"action": "chat", "payload": {"text": "hello"}}')
            for ws in (alice, bob):
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert frame == {"action": "chat_notification", "payload": {"text": "hello"}}
    finally:
        if server.returncode is None:
            server.terminate()
        await asyncio.wait_for(server.communicate(), 10)  # reap it, close the pipe
