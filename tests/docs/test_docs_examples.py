"""The examples the documentation includes (docs/examples/) do what the pages say they do."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import asyncapi_docs  # noqa: E402
import chat_app  # noqa: E402
import consumers_guide as guide  # noqa: E402
import custom_mixin  # noqa: E402
import events_anywhere  # noqa: E402

os.environ["CHAT_TELEMETRY"] = "0"  # observability_app instruments at import otherwise
import observability_app  # noqa: E402
import rooms  # noqa: E402
import testing_consumers  # noqa: E402
import testing_messages  # noqa: E402
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
        testing_messages.test_ping_reply_is_read_as_messages,
        testing_messages.test_routed_application_needs_the_consumer,
        testing_messages.test_everything_within_a_time_window,
        testing_messages.test_broadcast_events_are_captured,
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
            await two.send_json({"action": "chat", "payload": {"message": "hello"}})
            for ws in (one, two):
                assert await ws.receive_json() == {
                    "action": "chat_notification",
                    "payload": {"message": "hello"},
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
    routes = {r.keys[0]: r for r in guide.EditorConsumer.get_registry().event_routes}
    assert set(routes) == {"user_joined", "user_left", "message_edited"}
    assert routes["user_joined"].name == "announce_join"
    assert routes["user_left"].name == "forward_user_left"
    assert routes["message_edited"].name == "forward_message_edited"

    class Again(guide.EditorConsumer):  # listing an inherited event again changes nothing
        passthrough_events = [guide.UserLeft]

    assert len(Again.get_registry().event_routes) == 3


def test_channel_metadata() -> None:
    from chanx.core.registry import channel_info

    info = channel_info(guide.RoomConsumer)
    assert (info.name, info.tags) == ("room", ("rooms",))
    assert info.description == "A room with echo, broadcast and job updates"
    (say,) = [r for r in guide.RoomConsumer.get_registry().ws_routes if r.action == "say"]
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
                "data": {"detail": "A token query parameter is required"},
            },
        }
        await ws.assert_closed(4401)


async def test_unknown_token_is_refused_with_4403() -> None:
    with isolated_layer():
        ws = WebsocketCommunicator(token_auth.PrivateConsumer, query_string="token=nope")
        await ws.connect()
        assert (await ws.receive_json())["payload"]["status_code"] == 403
        await ws.assert_closed(4403)


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


class _Server:
    """``uvicorn MODULE:app`` from docs/examples on a free port, for as long as the test needs."""

    def __init__(self, target: str, env: dict[str, str] | None = None) -> None:
        self.target = target
        self.env = {**os.environ, **(env or {})}
        self.port = _free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> str:
        self.process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "uvicorn", self.target, "--port", str(self.port)],
            cwd=EXAMPLES,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        url = f"ws://127.0.0.1:{self.port}/ws/chat"
        deadline = time.monotonic() + 20
        while True:  # wait for the port, not for a fixed time
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return url
            except OSError:
                if time.monotonic() > deadline or self.process.returncode is not None:
                    await self._stop()
                    message = f"uvicorn {self.target} did not start: {self.errors}"
                    raise AssertionError(message) from None
                await asyncio.sleep(0.05)

    async def _stop(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.terminate()
        try:
            _, err = await asyncio.wait_for(self.process.communicate(), 5)
        except TimeoutError:  # graceful shutdown is not what these tests are about
            self.process.kill()
            _, err = await self.process.communicate()
        self.errors = err.decode(errors="replace")

    async def __aexit__(self, *exc: object) -> None:
        await self._stop()


async def _recv_json(ws: Any) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


@pytest.mark.e2e
async def test_quickstart_runs_under_uvicorn() -> None:
    import websockets

    async with (
        _Server("chat_app:app") as url,
        websockets.connect(url) as alice,
        websockets.connect(url) as bob,
    ):
        await alice.send('{"action": "ping"}')
        assert await asyncio.wait_for(alice.recv(), 5) == '{"action":"pong","payload":null}'
        await bob.send('{"action": "chat", "payload": {"message": "hello"}}')
        for ws in (alice, bob):
            assert await _recv_json(ws) == {
                "action": "chat_notification",
                "payload": {"message": "hello"},
            }


@pytest.mark.e2e
async def test_quickstart_transcript_matches_the_page() -> None:
    """Replay the ``> `` / ``< `` lines of getting-started.rst against the real server."""
    import websockets

    page = (EXAMPLES.parent / "getting-started.rst").read_text()
    page = page.split("Quick start: FastAPI", 1)[1].split("Quick start: Django", 1)[0]
    lines = [line.strip() for line in page.splitlines() if line.strip().startswith(("> ", "< "))]
    assert len(lines) >= 6
    async with _Server("chat_app:app") as url, websockets.connect(url) as ws:
        for line in lines:
            kind, text = line[0], line[2:]
            if kind == ">":
                await ws.send(text)
            else:
                assert await asyncio.wait_for(ws.recv(), 5) == text


@pytest.mark.e2e
@pytest.mark.redis
async def test_scaled_app_relays_chat_between_two_processes(redis_url: str) -> None:
    import websockets

    env = {"REDIS_URL": redis_url, "LAYER_PREFIX": f"docs-{uuid.uuid4().hex[:8]}"}
    async with (
        _Server("scaled_app:app", env) as first_url,
        _Server("scaled_app:app", env) as second_url,
        websockets.connect(first_url) as alice,
        websockets.connect(second_url) as bob,
    ):
        expected = {"action": "chat_notification", "payload": {"message": "across"}}
        deadline = time.monotonic() + 10
        while True:  # bob's group membership reaches Redis shortly after his handshake
            await alice.send('{"action": "chat", "payload": {"message": "across"}}')
            assert await _recv_json(alice) == expected
            try:
                assert json.loads(await asyncio.wait_for(bob.recv(), 0.5)) == expected
                break
            except TimeoutError:
                assert time.monotonic() < deadline, "the message never crossed processes"


# -- messages and routing -------------------------------------------------------------------
async def test_rooms_are_groups_chosen_from_the_url() -> None:
    app = rooms.app
    with isolated_layer() as layer:
        async with WebsocketCommunicator(app, "/ws/rooms/blue") as first:
            async with (
                WebsocketCommunicator(app, "/ws/rooms/blue") as second,
                WebsocketCommunicator(app, "/ws/rooms/red") as elsewhere,
            ):
                assert await first.receive_json() == {"action": "member_joined", "payload": "blue"}
                assert await second.receive_nothing()  # exclude_current
                await second.send_json({"action": "post", "payload": {"text": "hi"}})
                expected = {"action": "new_post", "payload": {"text": "hi", "reply_to": None}}
                assert await first.receive_json() == expected
                assert await second.receive_json() == expected
                assert await elsewhere.receive_nothing()
                assert len(layer.group_members("room_blue")) == 2
            assert len(layer.group_members("room_blue")) == 1


async def test_payload_validation_errors_name_the_field_without_echoing_input() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(rooms.app, "/ws/rooms/x") as ws:
            await ws.send_json({"action": "post", "payload": {"text": ""}})
            frame = await ws.receive_json()
            assert frame["action"] == "error"
            (entry,) = frame["payload"]
            assert entry["loc"][-2:] == ["payload", "text"]
            assert entry["type"] == "string_too_short"
            assert set(entry) == {"type", "loc", "msg"}


async def test_camelize_and_ref_echo() -> None:
    with isolated_layer():
        async with WebsocketCommunicator(rooms.CamelPostConsumer) as ws:
            await ws.send_json(
                {"action": "post", "payload": {"text": "x", "replyTo": 3}, "ref": "r1"}
            )
            assert await ws.receive_json() == {
                "version": 1,
                "ref": "r1",
                "action": "new_post",
                "payload": {"text": "x", "replyTo": 3},
            }


async def test_custom_discriminator_and_no_layer() -> None:
    async with WebsocketCommunicator(rooms.CommandConsumer) as ws:
        await ws.send_json({"type": "command", "name": "start"})
        assert await ws.receive_json() == {"type": "command_result", "ok": True}


# -- writing your own mixin -----------------------------------------------------------------
async def test_custom_mixins_contribute_handlers_events_and_hooks() -> None:
    consumer = custom_mixin.StatsConsumer
    assert {r.action for r in consumer.get_registry().ws_routes} == {"stats", "ping"}
    with isolated_layer():
        async with WebsocketCommunicator(consumer) as ws:
            await ws.send_json({"action": "ping"})
            assert (await ws.receive_json())["action"] == "pong"
            await ws.send_text("not json")  # counted by receive() even though it is invalid
            assert (await ws.receive_json())["action"] == "error"
            await ws.send_json({"action": "stats"})
            assert await ws.receive_json() == {"action": "stats_report", "payload": {"frames": 3}}
            await consumer.broadcast_event(custom_mixin.Maintenance(payload="at 22:00"))
            assert await ws.receive_json() == {"action": "maintenance", "payload": "at 22:00"}
    assert custom_mixin.FINISHED[-1] == 3


# -- AsyncAPI -------------------------------------------------------------------------------
def test_asyncapi_document_of_the_quick_start() -> None:
    import yaml

    spec = yaml.safe_load(asyncapi_docs.spec_yaml())
    assert spec["asyncapi"] == "3.0.0"
    assert (spec["info"]["title"], spec["info"]["version"]) == ("Chat API", "1.0.0")
    assert spec["channels"]["chat"]["address"] == "/ws/chat"
    operations = spec["operations"]
    ping = operations["chat.receive.ping"]
    assert ping["action"] == "receive"
    assert ping["reply"]["messages"] == [{"$ref": "#/channels/chat/messages/PongMessage"}]
    chat = operations["chat.receive.chat"]
    assert "reply" not in chat  # a broadcast is not a reply: it arrives without the ref
    broadcast = operations["chat.send.chat"]
    assert broadcast["messages"] == [{"$ref": "#/channels/chat/messages/ChatNotification"}]
    assert operations["chat.send.error"]["action"] == "send"
    assert spec["servers"] == {"development": {"host": "127.0.0.1:8000", "protocol": "ws"}}


async def test_asyncapi_page_is_served_by_the_app() -> None:
    assert callable(asyncapi_docs.spec_yaml)  # importing it mounted the docs on chat_app.app
    transport = httpx.ASGITransport(app=chat_app.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = await http.get("/asyncapi/")
        as_json = await http.get("/asyncapi/asyncapi.json")
    assert page.status_code == 200
    assert "Chat API" in page.text
    assert "<script" not in page.text.lower()  # the default page needs no JavaScript
    assert as_json.json()["asyncapi"] == "3.0.0"


async def test_asyncapi_views_serve_the_configured_document() -> None:
    import yaml

    transport = httpx.ASGITransport(app=chat_app.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        as_json = (await http.get("/chat-docs/asyncapi.json")).json()
        as_yaml = yaml.safe_load((await http.get("/chat-docs/asyncapi.yaml")).text)
        page = await http.get("/chat-docs/")
    assert as_json == as_yaml
    assert as_json["info"] == {"title": "Chat API", "version": "1.0.0", "description": ""}
    assert as_json["servers"] == {"production": {"host": "test", "protocol": "ws"}}
    assert "<title>Chat API</title>" in page.text


def test_asyncapi_cli_generate_and_validate(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from chanx.asyncapi.cli import main

    out = tmp_path / "chat.yaml"
    runner = CliRunner()
    result = runner.invoke(
        main, ["generate", "chat_app:app", "--app-dir", str(EXAMPLES), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "valid AsyncAPI 3.0.0" in result.output


def test_authenticator_security_scheme_reaches_the_asyncapi_document() -> None:
    from chanx.asyncapi import generate, to_json

    spec = json.loads(to_json(generate([("/ws/private", token_auth.PrivateConsumer)])))
    assert spec["components"]["securitySchemes"] == {
        "token": {"type": "httpApiKey", "name": "token", "in": "query"}
    }
    whoami = spec["operations"]["PrivateConsumer.receive.whoami"]
    assert whoami["security"] == [{"$ref": "#/components/securitySchemes/token"}]


# -- observability page ---------------------------------------------------------------------
async def test_observability_app_traces_frames_and_serves_metrics() -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from chanx.core.telemetry import uninstall

    exporter = InMemorySpanExporter()
    provider, observer = observability_app.instrument(exporter)
    try:
        with isolated_layer():
            async with WebsocketCommunicator(observability_app.app, "/ws/chat") as ws:
                await ws.send_json({"action": "ping", "ref": "p1"})
                assert (await ws.receive_json())["ref"] == "p1"
        transport = httpx.ASGITransport(app=observability_app.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            metrics = (await http.get("/metrics")).text
    finally:
        uninstall()
        observer.unregister()
    provider.force_flush()
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert set(spans) == {"process ping", "websocket ChatConsumer"}
    attributes = spans["process ping"].attributes or {}
    assert attributes["chanx.ref"] == "p1"
    assert attributes["chanx.outcome"] == "ok"
    assert spans["process ping"].resource.attributes["service.name"] == "chat"
    assert 'chanx_frames_total{action="ping",consumer="ChatConsumer",outcome="ok"} 1.0' in metrics
    assert 'chanx_connections_open{consumer="ChatConsumer"} 0.0' in metrics


# -- topics ---------------------------------------------------------------------------------
async def test_topics_example_multiplexes_and_recovers() -> None:
    import topics_app

    with isolated_layer():
        async with WebsocketCommunicator(topics_app.app, "/ws") as ws:
            await ws.send_json({"topic": "room:lobby", "ref": "1", "action": "subscribe"})
            reply = await ws.receive_json()
            assert reply["action"] == "subscribed"
            assert reply["ref"] == "1"
            epoch, seen = reply["payload"]["epoch"], reply["payload"]["seq"]
            await ws.send_json({"topic": "job:7", "ref": "2", "action": "subscribe"})
            assert (await ws.receive_json())["ref"] == "2"
            assert await ws.receive_json() == {
                "action": "progress", "payload": 0, "version": 1, "topic": "job:7",
            }  # fmt: skip
            await ws.send_json({"topic": "job:7", "ref": "3", "action": "cancel"})
            assert (await ws.receive_json())["payload"] == "7"
            assert "7" in topics_app.JobTopic.cancelled
            await ws.send_json({"topic": "room:staff-only", "action": "subscribe"})
            assert (await ws.receive_json())["payload"]["reason"] == "unauthorized"
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=topics_app.app), base_url="http://t"
        ) as http:
            for text in ("missed one", "missed two"):
                await http.post("/rooms/lobby", params={"text": text})
        async with WebsocketCommunicator(topics_app.app, "/ws") as ws:
            await ws.send_json(
                {
                    "topic": "room:lobby",
                    "action": "subscribe",
                    "payload": {"seq": seen, "epoch": epoch},
                }
            )
            assert (await ws.receive_json())["payload"]["recovered"] is True
            replayed = [await ws.receive_json() for _ in range(2)]
            assert [f["payload"] for f in replayed] == ["missed one", "missed two"]
            assert [f["seq"] for f in replayed] == [seen + 1, seen + 2]
        async with WebsocketCommunicator(topics_app.app, "/ws/jobs/9") as ws:
            assert (await ws.receive_json())["topic"] == "job:9"
