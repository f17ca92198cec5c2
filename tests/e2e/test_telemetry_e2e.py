"""Telemetry over real uvicorn servers: spans per frame and event, trace context across
processes through Redis, and every metric after a scripted session.

The app (``telemetry_e2e_app.py``) records spans with the OpenTelemetry SDK's in-memory
exporter and serves them on ``/spans``; metrics are scraped from its ``/metrics``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]

CONSUMER = "TelemetryConsumer"


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def ask(ws: ClientConnection, frame: Any) -> Any:
    await ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))
    return await recv(ws)


async def spans_until(
    http: httpx.AsyncClient, url: str, done: Any, timeout: float = 10
) -> list[dict[str, Any]]:
    """The server's spans once ``done(spans)`` holds (polled with a deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        spans: list[dict[str, Any]] = (await http.get(f"{url}/spans")).json()
        if done(spans):
            return spans
        if time.monotonic() > deadline:
            raise AssertionError(f"spans never got there: {[s['name'] for s in spans]}")
        await asyncio.sleep(0.05)


def connections(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in spans if s["name"] == f"websocket {CONSUMER}"]


def only(spans: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [s for s in spans if s["name"] == name]
    assert len(found) == 1, (name, [s["name"] for s in spans])
    return found[0]


async def test_a_span_per_frame_with_attributes_and_status(
    start_server: Any, uvicorn_cmd: Any
) -> None:
    server = start_server(uvicorn_cmd("telemetry_e2e_app:app"))
    async with httpx.AsyncClient() as http:
        async with connect(f"{server.ws}/ws") as ws:
            pong = await ask(ws, {"action": "ping", "ref": "r1"})
            assert (pong["action"], pong["ref"]) == ("pong", "r1")
            reply = await ask(ws, {"action": "echo", "payload": "hi", "ref": 7})
            assert (reply["action"], reply["payload"], reply["ref"]) == ("echo_reply", "hi", 7)
            assert (await ask(ws, {"action": "boom"}))["action"] == "error"
            assert (await ask(ws, {"action": "slow"}))["action"] == "error"
            assert (await ask(ws, {"action": "nope", "ref": "r2"}))["action"] == "error"
            assert (await ask(ws, b"\x00"))["action"] == "error"
            assert (await ask(ws, json.dumps({"action": "echo", "payload": "x" * 5000})))[
                "action"
            ] == "error"
            assert (await ask(ws, {"action": "limited"}))["action"] == "pong"
            assert (await ask(ws, {"action": "limited"}))["action"] == "error"
        async with connect(f"{server.ws}/ws?deny=403") as denied:
            assert (await recv(denied))["action"] == "authentication"
            await denied.wait_closed()
        assert denied.close_code == 4403

        spans = await spans_until(
            http, server.http, lambda s: len([c for c in connections(s) if c["ended"]]) == 2
        )

    first, second = connections(spans)
    assert first["kind"] == "SERVER"
    assert first["attributes"] == {
        "messaging.system": "chanx",
        "chanx.consumer": CONSUMER,
        "url.path": "/ws",
    }
    assert [e["name"] for e in first["events"]] == ["connect", "auth", "accept", "disconnect"]
    assert first["events"][1]["attributes"] == {"chanx.auth.ok": True}
    assert first["events"][3]["attributes"] == {"chanx.close_code": 1000}
    assert first["status"] == "UNSET"
    assert [e["name"] for e in second["events"]] == [
        "connect",
        "auth",
        "accept",
        "close",
        "disconnect",
    ]
    assert second["events"][1]["attributes"] == {"chanx.auth.ok": False, "chanx.close_code": 4403}
    assert second["events"][3]["attributes"] == {"chanx.close_code": 4403}
    assert second["status"] == "ERROR"

    frames = [s for s in spans if s["name"].startswith("process ")]
    assert [s["name"] for s in frames] == [
        "process ping",
        "process echo",
        "process boom",
        "process slow",
        "process unknown",
        "process unknown",
        "process unknown",
        "process limited",
        "process limited",
    ]
    for span in frames:
        assert span["kind"] == "CONSUMER"
        assert span["parent_id"] is None  # each frame is a trace of its own...
        assert span["links"] == [  # ...linked to its connection
            {"trace_id": first["trace_id"], "span_id": first["span_id"]}
        ]
        assert span["attributes"]["messaging.system"] == "chanx"
        assert span["attributes"]["messaging.operation.type"] == "process"
        assert span["attributes"]["messaging.operation.name"] == "process"
        assert span["attributes"]["chanx.consumer"] == CONSUMER
        assert span["attributes"]["chanx.kind"] == "frame"
        action = span["name"].removeprefix("process ")
        assert span["attributes"]["chanx.action"] == action
        assert span["attributes"]["messaging.destination.name"] == action

    ping, echo, boom, slow, invalid, binary, large, limited, rejected = frames
    assert ping["attributes"]["chanx.ref"] == "r1"
    assert ping["attributes"]["messaging.message.conversation_id"] == "r1"
    assert ping["attributes"]["chanx.outcome"] == "ok"
    assert ping["status"] == "UNSET"
    assert "error.type" not in ping["attributes"]
    assert echo["attributes"]["chanx.ref"] == 7
    assert echo["attributes"]["messaging.message.conversation_id"] == "7"
    inside = only(spans, "inside echo")
    assert (inside["trace_id"], inside["parent_id"]) == (echo["trace_id"], echo["span_id"])
    assert "chanx.ref" not in boom["attributes"]
    for span, outcome, code in [
        (boom, "error", "handler_error"),
        (slow, "error", "handler_timeout"),
        (invalid, "invalid", "invalid_message"),
        (binary, "invalid", "binary_frame"),
        (large, "invalid", "message_too_large"),
        (rejected, "rate_limited", "rate_limited"),
    ]:
        assert span["attributes"]["chanx.outcome"] == outcome
        assert span["attributes"]["error.type"] == code
        assert (span["status"], span["status_description"]) == ("ERROR", code)
    assert invalid["attributes"]["chanx.ref"] == "r2"
    assert limited["attributes"]["chanx.outcome"] == "ok"


@pytest.mark.redis
async def test_event_from_a_sync_view_continues_its_trace_in_another_process(
    start_server: Any, uvicorn_cmd: Any, redis_url: str
) -> None:
    env = {"REDIS_URL": redis_url, "CHANX_LAYER_PREFIX": f"chanx-tel-{uuid.uuid4().hex[:10]}"}
    a = start_server(uvicorn_cmd("telemetry_e2e_app:app"), env=env)
    b = start_server(uvicorn_cmd("telemetry_e2e_app:app"), env=env)
    async with httpx.AsyncClient() as http, connect(f"{b.ws}/ws") as on_b:
        pids = {(await http.get(f"{s.http}/health")).json()["pid"] for s in (a, b)}
        assert len(pids) == 2
        assert (await ask(on_b, {"action": "ping"}))["action"] == "pong"
        view = (await http.post(f"{a.http}/notify", params={"text": "from A"})).json()
        assert await recv(on_b) == {"action": "notice_message", "payload": "from A"}

        spans_b = await spans_until(
            http, b.http, lambda s: any(x["name"] == "inside notice" for x in s)
        )
        spans_a = await spans_until(
            http, a.http, lambda s: any(x["name"] == "notify view" for x in s)
        )

    sender = only(spans_a, "notify view")
    assert (sender["trace_id"], sender["span_id"]) == (view["trace_id"], view["span_id"])
    assert sender["events"] == [
        {
            "name": "chanx.event_sent",
            "attributes": {"chanx.event.key": "notice", "chanx.event.operation": "broadcast"},
        }
    ]
    handler = only(spans_b, "process notice")
    assert handler["kind"] == "CONSUMER"
    assert handler["trace_id"] == view["trace_id"]
    assert handler["parent_id"] == view["span_id"]
    connection = connections(spans_b)[0] if connections(spans_b) else None
    assert handler["links"][0] == {"trace_id": view["trace_id"], "span_id": view["span_id"]}
    assert connection is None  # still open: its span is not finished, so not exported yet
    assert len(handler["links"]) == 2  # the sender, then the receiving connection
    assert handler["attributes"] == {
        "messaging.system": "chanx",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": "notice",
        "chanx.consumer": CONSUMER,
        "chanx.kind": "event",
        "chanx.outcome": "ok",
    }
    assert handler["status"] == "UNSET"
    inside = only(spans_b, "inside notice")
    assert (inside["trace_id"], inside["parent_id"]) == (handler["trace_id"], handler["span_id"])
    assert not [s for s in spans_a if s["name"] == "process notice"]  # nobody listens on A


def scrape(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the chanx metrics: (name, labels) -> value."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("chanx_") and not sample.name.endswith("_created"):
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, frozenset({"consumer": CONSUMER, **labels}.items()))
    assert key in samples, (name, labels, sorted(k for k in samples if k[0] == name))
    return samples[key]


async def test_every_metric_after_a_scripted_session(start_server: Any, uvicorn_cmd: Any) -> None:
    server = start_server(uvicorn_cmd("telemetry_e2e_app:app"))
    async with httpx.AsyncClient() as http, connect(f"{server.ws}/ws") as b:
        async with connect(f"{server.ws}/ws") as a:
            for frame in (
                {"action": "ping"},
                {"action": "ping"},
                {"action": "echo", "payload": "e"},
            ):
                assert (await ask(a, frame))["action"] in {"pong", "echo_reply"}
            for frame in ({"action": "boom"}, {"action": "slow"}, {"action": "nope"}):
                assert (await ask(a, frame))["action"] == "error"
            assert (await ask(a, {"action": "limited"}))["action"] == "pong"
            assert (await ask(a, {"action": "limited"}))["action"] == "error"
            assert (await ask(a, {"action": "shout", "payload": "all"}))["action"] == "heard"
            assert (await recv(b))["action"] == "heard"
            # both connections idle: each takes CAPACITY (3) of the 5 events, drops 2
            await http.post(f"{server.http}/flood", params={"count": 5})
            for ws in (a, b):
                got = [(await recv(ws))["payload"] for _ in range(3)]
                assert got == ["flood 0", "flood 1", "flood 2"]
            failed = await http.post(
                f"{server.http}/direct", params={"channel": "nobody", "count": 4}
            )
            assert failed.json() == {"failed": 1}
        async with connect(f"{server.ws}/ws?deny=401") as denied:
            assert (await recv(denied))["action"] == "authentication"
            await denied.wait_closed()
        assert denied.close_code == 4401
        assert (await ask(b, {"action": "ping"}))["action"] == "pong"

        deadline = time.monotonic() + 10
        while True:  # a's and the refused connection's ends are processed asynchronously
            samples = scrape((await http.get(f"{server.http}/metrics")).text)
            if value(samples, "chanx_connections_open") == 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)

    assert value(samples, "chanx_connections_open") == 1
    assert value(samples, "chanx_connections_total") == 3  # a refusal is sent on an accepted socket
    frames = {
        ("ping", "ok"): 3,
        ("echo", "ok"): 1,
        ("boom", "error"): 1,
        ("slow", "error"): 1,
        ("unknown", "invalid"): 1,
        ("limited", "ok"): 1,
        ("limited", "rate_limited"): 1,
        ("shout", "ok"): 1,
    }
    seen = {
        (dict(k[1])["action"], dict(k[1])["outcome"]): v
        for k, v in samples.items()
        if k[0] == "chanx_frames_total"
    }
    assert seen == frames
    for action, count in {
        "ping": 3,
        "echo": 1,
        "boom": 1,
        "slow": 1,
        "limited": 1,
        "shout": 1,
    }.items():
        assert value(samples, "chanx_handler_duration_seconds_count", action=action) == count
    assert value(samples, "chanx_handler_duration_seconds_sum", action="slow") >= 0.3
    assert value(samples, "chanx_handler_duration_seconds_bucket", action="slow", le="0.1") == 0
    assert value(samples, "chanx_handler_duration_seconds_bucket", action="slow", le="0.5") == 1
    errors = {
        dict(k[1])["code"]: v for k, v in samples.items() if k[0] == "chanx_error_frames_total"
    }
    assert errors == {
        "handler_error": 1,
        "handler_timeout": 1,
        "invalid_message": 1,
        "rate_limited": 1,
    }
    assert value(samples, "chanx_events_total", event="notice", outcome="ok") == 6
    assert (
        value(samples, "chanx_events_published_total", event="notice", operation="broadcast") == 5
    )
    assert value(samples, "chanx_events_published_total", event="notice", operation="send") == 4
    assert value(samples, "chanx_messages_dropped_total") == 4
    assert value(samples, "chanx_broadcasts_total") == 1
    assert value(samples, "chanx_broadcast_groups_count") == 1
    assert value(samples, "chanx_broadcast_groups_sum") == 1
    assert value(samples, "chanx_broadcast_deliveries_total") == 2
    assert value(samples, "chanx_layer_send_failures_total", operation="send") == 1
    assert value(samples, "chanx_auth_rejections_total", close_code="4401") == 1
    assert value(samples, "chanx_rate_limited_total", action="limited") == 1
    # bounded labels: no channel, user, group or raw client value ever became one
    labels = {v for k in samples for name, v in k[1] if name not in {"le", "consumer"}}
    assert labels <= {
        "ping", "echo", "boom", "slow", "limited", "shout", "unknown", "ok", "error", "invalid",
        "rate_limited", "handler_error", "handler_timeout", "invalid_message", "notice",
        "broadcast", "send", "4401",
    }  # fmt: skip
