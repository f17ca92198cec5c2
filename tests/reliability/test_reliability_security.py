"""Security: authentication gates routing; clients cannot reach the channel layer or leak internals.

* No frame is routed before authentication finished: the handshake completes only after it,
  and frames pushed in earlier anyway wait, then are handled in order once it succeeds, or
  never if it fails.
* Failed authentication sends one ``authentication`` frame and closes with ``4000 + status``
  (``4403`` here); no handler runs.
* A client cannot inject channel-layer messages (``{"type": "chanx.event", ...}``,
  ``{"action": "chanx_broadcast"}``, internal method names, an event's discriminator) nor
  address another connection's channel: each such frame gets one error frame, nothing is sent
  through the layer, and other connections receive nothing.
* Error frames never contain input echoes, tracebacks, exception messages or settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import pytest
from reliability_app import SECRET, GatedConsumer, ReliableConsumer, build_app
from reliability_servers import UvicornServer, async_wait_until, ws_connect
from websockets.exceptions import ConnectionClosed

from chanx.fast_channels.testing import WebsocketCommunicator, capture_layer, isolated_layer

pytestmark = pytest.mark.asgi


@pytest.fixture(autouse=True)
def _layer() -> Iterator[None]:
    with isolated_layer():
        yield


def handler_runs() -> int:
    return sum(ReliableConsumer.runs.values())


@pytest.mark.parametrize("allow", [True, False])
async def test_no_frame_is_routed_before_authentication_completes(allow: bool) -> None:
    GatedConsumer.gate = asyncio.Event()
    GatedConsumer.allow = allow
    ws = WebsocketCommunicator(build_app(), "/ws/slowauth")
    runs = handler_runs()
    # The handshake completes only after authentication, so a real client cannot send yet;
    # frames pushed into the ASGI queue anyway (a misbehaving proxy) must wait too.
    handshake = asyncio.ensure_future(ws.connect())
    try:
        await async_wait_until(
            lambda: ws._task is not None and ws._to_app.empty(),
            5,
            "the app to take the connect event",
        )
        for n in (1, 2, 3):
            await ws.send_json({"action": "echo", "payload": n})
        await ws.send_json({"action": "publish", "payload": 9})
        assert await ws.receive_nothing(0.2)
        assert not handshake.done()
        assert handler_runs() == runs  # nothing routed while authentication is pending
        GatedConsumer.gate.set()
        assert (await handshake).accepted
        if allow:
            replies = [await ws.receive_json() for _ in range(3)]
            assert [r["payload"] for r in replies] == [1, 2, 3]  # handled after, in order
        else:
            auth = await ws.receive_json()
            assert auth["action"] == "authentication"
            assert auth["payload"]["status_code"] == 403
            assert await ws.assert_closed(4403) == 4403
            assert handler_runs() == runs  # the queued frames never reached a handler
    finally:
        await ws.disconnect()


async def test_frames_before_the_handshake_are_never_routed() -> None:
    GatedConsumer.gate = asyncio.Event()
    GatedConsumer.gate.set()
    GatedConsumer.allow = True
    runs = handler_runs()
    ws = WebsocketCommunicator(build_app(), "/ws/slowauth")
    await ws.send_json({"action": "echo", "payload": 1})  # before websocket.connect: invalid
    assert (await ws.connect()).accepted
    try:
        await ws.send_json({"action": "echo", "payload": 2})
        assert (await ws.receive_json())["payload"] == 2  # the first was dropped, not routed
        assert handler_runs() == runs + 1
    finally:
        await ws.disconnect()


@pytest.mark.e2e
async def test_failed_authentication_closes_with_4403_over_a_socket() -> None:
    with UvicornServer() as server:
        async with ws_connect(f"{server.url}/ws/auth?token=forged") as client:
            with contextlib.suppress(ConnectionClosed):  # the server may have closed already
                await client.send('{"action":"echo","payload":1}')
            frame = json.loads(await asyncio.wait_for(client.recv(), 10))
            assert frame["action"] == "authentication"
            assert frame["payload"]["status_code"] == 403
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(client.recv(), 10)  # no echo reply, only the close
            assert client.close_code == 4403
        async with ws_connect(f"{server.url}/ws/auth?token=good") as client:
            await client.send('{"action":"echo","payload":1}')
            reply = json.loads(await asyncio.wait_for(client.recv(), 10))
            assert reply == {"action": "echo_reply", "payload": 1}


INJECTIONS = [
    {"type": "chanx.event", "key": "notify", "event": '{"action":"notify","payload":1}'},
    {"type": "chanx.broadcast", "text": '{"action":"item","payload":666}'},
    {"action": "chanx_broadcast", "text": '{"action":"item","payload":666}'},
    {"action": "chanx_event", "key": "notify", "event": '{"action":"notify","payload":1}'},
    {"action": "chanx.broadcast", "text": "x"},
    {"action": "notify", "payload": 1},  # an event's discriminator is not a client action
    {"action": "handle_notify", "payload": 1},
    {"action": "handle_publish", "payload": 1},
    {"action": "websocket_disconnect"},
    {"action": "websocket.close", "code": 1000},
    {"action": "item", "payload": 666},  # an output type is not an input
    {"action": "group_add", "group": "everyone"},
]


async def test_clients_cannot_inject_layer_messages_or_reach_other_channels() -> None:
    with capture_layer() as recorder:
        app = build_app()
        async with (
            WebsocketCommunicator(app, "/ws") as attacker,
            WebsocketCommunicator(app, "/ws") as victim,
        ):
            await victim.send_json({"action": "whoami"})
            victim_channel = (await victim.receive_json())["payload"]
            runs = dict(ReliableConsumer.runs)
            for frame in INJECTIONS:
                await attacker.send_json(frame)
                answer = await attacker.receive_json()
                assert answer["action"] == "error", (frame, answer)
                assert await attacker.receive_nothing()  # exactly one frame
            # frames naming the victim's channel only ever reach the sender's own handler
            for frame in (
                {"action": "echo", "payload": 5, "channel_name": victim_channel},
                {"action": "echo", "payload": 5, "channel": victim_channel, "to": victim_channel},
            ):
                await attacker.send_json(frame)
                assert await attacker.receive_json() == {"action": "echo_reply", "payload": 5}
            assert await victim.receive_nothing(0.2)
            assert recorder.sent == []
            assert recorder.group_sent == []
            assert {k: v for k, v in ReliableConsumer.runs.items() if runs.get(k) != v} == {
                "echo": runs.get("echo", 0) + 2
            }


async def test_error_frames_leak_no_input_traceback_or_settings() -> None:
    marker = "INPUT-MARKER-7f3a"
    frames = [
        {"action": "fail"},  # the handler raises with a secret in its message
        {"action": marker},
        {"action": "echo", "payload": marker},
        {"action": "chat", "payload": {"room": marker, "text": 5, "author": {"name": [marker]}}},
        {"action": "chat", "payload": {"meta": {marker: marker}}},
        {marker: marker},
    ]
    async with WebsocketCommunicator(build_app(), "/ws") as ws:
        for frame in frames:
            await ws.send_json(frame)
            text = await ws.receive_text()
            assert json.loads(text)["action"] == "error"
            for leak in (marker, SECRET, "redis://", "Traceback", "RuntimeError", 'File "'):
                assert leak not in text, (leak, text)
        await ws.send_text(marker)  # not even JSON
        assert marker not in await ws.receive_text()
