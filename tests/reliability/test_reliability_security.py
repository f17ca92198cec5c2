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
* ``auth_refresh`` frames with hostile content never re-run or pass authentication, never
  set a credential the authenticator does not declare, cannot switch the connection to
  another user, and get one bounded error frame on a connection that stays open.
* A handler behind a refused permission never runs, whatever the frame carries; the refusal
  is a fixed error frame and the connection stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

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


# -- live authentication (auth_refresh) and per-handler permissions --------------------------

HOSTILE_REFRESHES: list[Any] = [
    {"action": "auth_refresh", "payload": {"query": {"token": ["root"]}}},
    {"action": "auth_refresh", "payload": {"query": {"token": {"$ne": None}}}},
    {"action": "auth_refresh", "payload": {"query": {"token": None}}},
    {"action": "auth_refresh", "payload": {"query": "token=root"}},
    {"action": "auth_refresh", "payload": {"query": {"user": "root"}}},  # not a credential
    {"action": "auth_refresh", "payload": {"headers": {"x-remote-user": "root"}}},
    {"action": "auth_refresh", "payload": {"headers": {"cookie": "sessionid=root"}}},
    {"action": "auth_refresh", "payload": {"headers": {"host": "evil.example"}}},
    {"action": "auth_refresh", "payload": {"cookies": {"sessionid": "root"}}},
    {"action": "auth_refresh", "payload": {"user": "root"}},  # an unknown place
    {"action": "auth_refresh", "payload": {"query": {f"t{i}": "root" for i in range(500)}}},
    {"action": "auth_refresh", "payload": {"query": {"token": "root" * 5_000}}},
    {"action": "auth_refresh", "payload": {"query": {"x" * 5_000: "root"}}},
    {"action": "auth_refresh", "payload": {"query": {"": "root"}}},
    {"action": "auth_refresh", "payload": ["root"]},
    {"action": "auth_refresh", "payload": "root"},
    {"action": "auth_refresh", "payload": 1e308},
]


def _refresh_texts() -> list[str]:
    texts = [json.dumps(frame) for frame in HOSTILE_REFRESHES]
    # duplicate keys: the last one wins in JSON parsers; neither may authenticate
    texts.append('{"action":"auth_refresh","payload":{"query":{"user":"root","user":"root"}}}')
    # deep nesting inside the payload
    texts.append('{"action":"auth_refresh","payload":{"query":' + '{"a":' * 200 + "1" + "}" * 201)
    return texts


@pytest.mark.parametrize("text", _refresh_texts())
async def test_hostile_refresh_frames_never_authenticate_echo_or_close(text: str) -> None:
    from live_asgi_app import ExpiringAuthenticator, app

    runs: list[int] = []
    original = ExpiringAuthenticator.authenticate

    async def counted(self: Any) -> bool:
        runs.append(1)
        return await original(self)

    ExpiringAuthenticator.authenticate = counted  # type: ignore[method-assign]
    try:
        async with WebsocketCommunicator(app, "/ws/expiring?token=long") as ws:
            handshake_runs = len(runs)
            await ws.send_text(text)
            answer = await ws.receive_text()
            frame = json.loads(answer)
            assert frame["action"] == "error"  # never "authentication"
            assert len(answer) < 2_000  # bounded, whatever the input's size
            for leak in ("root", "evil", "sessionid", "$ne", "xxxx", "Traceback"):
                assert leak not in answer, (leak, answer)
            assert len(runs) == handshake_runs  # the authenticator never ran again
            await ws.send_json({"action": "admin"})  # still alice: refused, not root
            assert json.loads(await ws.receive_text())["action"] == "error"
            await ws.send_json({"action": "ping"})
            assert (await ws.receive_json())["action"] == "pong"  # the connection survived
    finally:
        ExpiringAuthenticator.authenticate = original  # type: ignore[method-assign]


async def test_a_refresh_cannot_switch_the_connection_to_another_user() -> None:
    from live_asgi_app import ExpiringConsumer, app

    runs = ExpiringConsumer.admin_runs
    async with WebsocketCommunicator(app, "/ws/expiring?token=long") as ws:
        await ws.send_json({"action": "auth_refresh", "payload": {"query": {"token": "root"}}})
        frame = await ws.receive_json()
        assert frame["action"] == "authentication"
        assert frame["payload"]["status_code"] == 403  # root's valid token, but not alice's
        await ws.assert_closed(4403)
        await ws.send_json({"action": "admin"})
        assert await ws.receive_nothing(0.1)
    assert ExpiringConsumer.admin_runs == runs  # escalation never reached the handler


DENIED_FRAMES: list[str] = [
    '{"action":"admin"}',
    '{"action":"admin","payload":"INPUT-MARKER-7f3a"}',
    '{"action":"admin","payload":"x","user":"root"}',  # a forged identity field
    '{"action":"admin","ref":"INPUT-MARKER-7f3a"}',
    '{"action":"admin","topic":"INPUT-MARKER-7f3a"}',
    '{"action":"ping","action":"admin"}',  # duplicate discriminator: the last one wins
    '{"action":"admin","payload":"' + "x" * 100 + '"}',
]


@pytest.mark.parametrize("text", DENIED_FRAMES)
async def test_a_denied_permission_runs_no_handler_leaks_nothing_and_keeps_the_connection(
    text: str,
) -> None:
    from live_asgi_app import ExpiringConsumer, IsRoot, app

    runs = ExpiringConsumer.admin_runs
    async with WebsocketCommunicator(app, "/ws/expiring?token=long") as ws:
        await ws.send_text(text)
        answer = await ws.receive_text()
        frame = json.loads(answer)
        frame.pop("ref", None)  # the client's correlation ref is echoed by design
        frame.pop("version", None)
        assert frame == {"action": "error", "payload": {"detail": IsRoot.message}}
        assert len(answer) < 1_000
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    assert ExpiringConsumer.admin_runs == runs


async def test_many_denied_frames_in_a_row_keep_answering_and_never_run() -> None:
    from live_asgi_app import ExpiringConsumer, IsRoot, app

    runs = ExpiringConsumer.admin_runs
    async with WebsocketCommunicator(app, "/ws/expiring?token=mallory") as ws:
        for n in range(500):
            await ws.send_json({"action": "admin", "payload": str(n), "ref": n})
        for n in range(500):
            frame = await ws.receive_json()
            frame.pop("version", None)
            assert frame == {"action": "error", "payload": {"detail": IsRoot.message}, "ref": n}
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    assert ExpiringConsumer.admin_runs == runs
    async with WebsocketCommunicator(app, "/ws/expiring?token=root") as ws:  # not vacuous
        await ws.send_json({"action": "admin"})
        assert (await ws.receive_json())["action"] == "pong"
    assert ExpiringConsumer.admin_runs == runs + 1
