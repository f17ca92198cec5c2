"""Prometheus metrics in process: every metric of chanx.core.prometheus, per label.

A fresh ``CollectorRegistry`` per test, read with ``get_sample_value`` or scraped through a
real ASGI call to :func:`~chanx.core.prometheus.metrics_app` and
:func:`~chanx.core.prometheus.with_metrics`. The same metrics over a real server are tested in
tests/e2e/test_telemetry_e2e.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import (
    ChatConsumer,
    GatedHarness,
    LayerConsumer,
    OwnRateLimit,
    fresh_layer,
    refuse,
)
from core_models import ChatNotification, DeleteMessage, HangMessage, JobResult, UserJoined
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from chanx.core import BaseAuthenticator, InMemoryChannelLayer, ws_handler
from chanx.core._prometheus_frames import DURATION_BUCKETS
from chanx.core.layer_messages import event_envelope
from chanx.core.prometheus import MetricsObserver, metrics_app, with_metrics
from chanx.core.telemetry import install, uninstall
from chanx.core.testing import RecordingLayer, WebsocketHarness
from chanx.messages import BaseMessage, PongMessage


class Shout(BaseMessage):
    action: Literal["shout"] = "shout"


class Metered(OwnRateLimit, ChatConsumer):
    """ChatConsumer, plus a size limit, a timeout, a refusal, a broadcast to three groups and
    a rate limiter of its own (frames flagged ``limited`` are rejected and reported)."""

    max_message_size = 1024
    handler_timeout = 0.25  # far above a failing handler's run time, even on a busy machine
    channels: ClassVar[list[str]] = []

    async def post_authentication(self) -> None:
        self.channels.append(self.channel_name)

    @ws_handler
    async def handle_hang(self, message: HangMessage) -> PongMessage:
        await asyncio.Event().wait()  # never set: only the handler timeout ends it
        return PongMessage()  # pragma: no cover - never reached

    @ws_handler(permission_classes=[refuse])
    async def handle_delete(self, message: DeleteMessage) -> PongMessage:
        return PongMessage()  # pragma: no cover - always refused

    @ws_handler(output_type=ChatNotification)
    async def handle_shout(self, message: Shout) -> None:
        await self.broadcast_message(
            ChatNotification(payload={"message": "all"}),  # type: ignore[arg-type]
            groups=["room", "other", "third"],
        )


class Refusing(LayerConsumer):
    class Auth(BaseAuthenticator):
        async def authenticate(self) -> bool:
            if self.get_query_param("token") == "ok":
                return True
            self.status_code, self.detail = 401, "who are you"
            return False

    authenticator_class = Auth


@pytest.fixture
def registry() -> Iterator[CollectorRegistry]:
    fresh_layer()
    Metered.channels.clear()
    registry = CollectorRegistry()
    observer = MetricsObserver(registry)
    install(observer)
    yield registry
    uninstall()
    observer.unregister()
    LayerConsumer.layer = None


def sample(
    registry: CollectorRegistry, name: str, consumer: str = "Metered", **labels: str
) -> float:
    """The sample's value; 0.0 when it does not exist (asserted apart where it matters)."""
    return registry.get_sample_value(name, {"consumer": consumer, **labels}) or 0.0


def exists(registry: CollectorRegistry, name: str, **labels: str) -> bool:
    return registry.get_sample_value(name, {"consumer": "Metered", **labels}) is not None


async def test_frames_are_counted_by_action_and_outcome(registry: CollectorRegistry) -> None:
    async with WebsocketHarness(Metered) as ws:
        for frame in ({"action": "ping"}, {"action": "ping", "ref": 1}):
            await ws.send_json(frame)
            assert (await ws.receive_json())["action"] == "pong"
        for frame in ({"action": "boom"}, {"action": "hang"}, {"action": "delete"}):
            await ws.send_json(frame)
            assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "nope"})
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_bytes(b"\x00")
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_text('{"action":"ping","pad":"' + "x" * 2000 + '"}')
        assert (await ws.receive_json())["action"] == "error"

    frames = "chanx_frames_total"
    assert sample(registry, frames, action="ping", outcome="ok") == 2
    assert not exists(registry, frames, action="ping", outcome="error")
    for action in ("boom", "hang", "delete"):
        assert sample(registry, frames, action=action, outcome="error") == 1
        assert not exists(registry, frames, action=action, outcome="ok")  # no zero samples
    assert sample(registry, frames, action="unknown", outcome="invalid") == 3
    errors = {
        code: sample(registry, "chanx_error_frames_total", code=code)
        for code in (
            "handler_error",
            "handler_timeout",
            "permission_denied",
            "invalid_message",
            "binary_frame",
            "message_too_large",
        )
    }
    assert errors == dict.fromkeys(errors, 1.0)

    duration = "chanx_handler_duration_seconds"
    for action, count in {"ping": 2, "boom": 1, "hang": 1, "delete": 1}.items():
        assert sample(registry, f"{duration}_count", action=action) == count
        assert sample(registry, f"{duration}_bucket", action=action, le="+Inf") == count
    assert not exists(registry, f"{duration}_count", action="unknown")  # no handler ran
    # the timed-out handler lasted at least handler_timeout: in no bucket at or below 0.1 s
    assert sample(registry, f"{duration}_sum", action="hang") >= 0.25
    assert sample(registry, f"{duration}_bucket", action="hang", le="0.1") == 0
    assert sample(registry, f"{duration}_sum", action="hang") > sample(
        registry, f"{duration}_sum", action="ping"
    )
    # buckets are cumulative over every documented bound
    for action in ("ping", "hang"):
        counts = [
            sample(registry, f"{duration}_bucket", action=action, le=str(bound))
            for bound in DURATION_BUCKETS
        ]
        assert counts == sorted(counts)
        assert counts[-1] <= sample(registry, f"{duration}_count", action=action)


async def test_open_connections_are_a_gauge_and_accepted_ones_a_counter(
    registry: CollectorRegistry,
) -> None:
    first, second = WebsocketHarness(Metered), WebsocketHarness(Metered)
    assert (await first.connect()).accepted
    assert (await second.connect()).accepted
    assert sample(registry, "chanx_connections_open") == 2
    await first.disconnect()
    assert sample(registry, "chanx_connections_open") == 1
    await second.disconnect()
    assert sample(registry, "chanx_connections_open") == 0
    assert sample(registry, "chanx_connections_total") == 2


async def test_a_connection_accepted_before_install_is_never_counted_as_closed() -> None:
    fresh_layer()
    observer = MetricsObserver(CollectorRegistry())
    early = WebsocketHarness(Metered)
    try:
        assert (await early.connect()).accepted  # nothing installed yet
        install(observer)
        await early.disconnect()
    finally:
        uninstall()
        observer.unregister()
        LayerConsumer.layer = None
    assert sample(observer.registry, "chanx_connections_open") == 0  # not -1
    assert not exists(observer.registry, "chanx_connections_total")


async def test_refused_connections_are_counted_by_close_code(registry: CollectorRegistry) -> None:
    async with WebsocketHarness(Refusing, query_string="token=ok"):
        pass
    refused = WebsocketHarness(Refusing)
    await refused.connect()
    assert (await refused.receive_json())["action"] == "authentication"
    assert await refused.assert_closed(4401) == 4401
    await refused.disconnect(4401)
    rejections = "chanx_auth_rejections_total"
    assert sample(registry, rejections, "Refusing", close_code="4401") == 1
    assert (
        registry.get_sample_value(rejections, {"consumer": "Refusing", "close_code": "None"})
        is None
    )
    # the refusal is sent on an accepted socket: counted, then no longer open
    assert sample(registry, "chanx_connections_total", "Refusing") == 2
    assert sample(registry, "chanx_connections_open", "Refusing") == 0


async def test_events_are_counted_by_key_operation_and_outcome(
    registry: CollectorRegistry,
) -> None:
    layer = fresh_layer()
    async with WebsocketHarness(Metered) as ws:
        (channel,) = Metered.channels
        await Metered.broadcast_event(UserJoined(payload="bob"), "room")
        await Metered.broadcast_event(JobResult(payload="explode"), "room")  # the handler raises
        await layer.group_send("room", event_envelope("user_joined", '{"payload": 5}'))
        await Metered.send_event(UserJoined(payload="eve"), channel)
        # one connection's events are handled in order: the last reply means all were
        assert (await ws.receive_json())["payload"]["message"] == "bob joined"
        assert (await ws.receive_json())["payload"]["message"] == "eve joined"
    published = "chanx_events_published_total"
    assert sample(registry, published, event="user_joined", operation="broadcast") == 1
    assert sample(registry, published, event="job_result", operation="broadcast") == 1
    assert sample(registry, published, event="user_joined", operation="send") == 1
    handled = "chanx_events_total"
    assert sample(registry, handled, event="user_joined", outcome="ok") == 2
    assert sample(registry, handled, event="job_result", outcome="error") == 1
    assert sample(registry, handled, event="user_joined", outcome="invalid") == 1
    assert not exists(registry, handled, event="job_result", outcome="ok")


async def test_broadcasts_their_groups_and_deliveries(registry: CollectorRegistry) -> None:
    async with WebsocketHarness(Metered) as a, WebsocketHarness(Metered) as b:
        await a.send_json({"action": "chat", "payload": {"message": "hi"}})  # to "room"
        for ws in (a, b):
            assert (await ws.receive_json())["action"] == "chat_notification"
        await a.send_json({"action": "shout"})  # to three groups, two of them empty
        for ws in (a, b):
            assert (await ws.receive_json())["action"] == "chat_notification"
    assert sample(registry, "chanx_broadcasts_total") == 2
    groups = "chanx_broadcast_groups"
    assert sample(registry, f"{groups}_count") == 2
    assert sample(registry, f"{groups}_sum") == 4
    assert sample(registry, f"{groups}_bucket", le="1.0") == 1
    assert sample(registry, f"{groups}_bucket", le="2.0") == 1
    assert sample(registry, f"{groups}_bucket", le="5.0") == 2
    assert sample(registry, "chanx_broadcast_deliveries_total") == 4


class Broken(RecordingLayer):
    """Sends fail as when Redis drops the connection mid-command; the layer still answers."""

    async def group_send(self, group: str, message: Any) -> None:
        raise ConnectionError("Connection closed by server.")

    async def send(self, channel: str, message: Any) -> None:
        raise ConnectionError("Connection closed by server.")


async def test_failed_and_dropped_layer_sends_by_operation(registry: CollectorRegistry) -> None:
    LayerConsumer.layer = Broken(InMemoryChannelLayer())
    with pytest.raises(ConnectionError):
        await Metered.broadcast_event(UserJoined(payload="x"), "room")
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await Metered.send_event(UserJoined(payload="x"), "some-channel")
    failures = "chanx_layer_send_failures_total"
    assert sample(registry, failures, operation="group_send") == 1
    assert sample(registry, failures, operation="send") == 2
    # it may have reached Redis, which still answers: given up, never retried twice
    dropped = "chanx_layer_send_dropped_total"
    assert sample(registry, dropped, operation="group_send", reason="unconfirmed") == 1
    assert sample(registry, dropped, operation="send", reason="unconfirmed") == 2


async def test_rate_limited_frames_by_bounded_action(registry: CollectorRegistry) -> None:
    async with WebsocketHarness(Metered) as ws:
        for frame in (
            {"action": "ping", "limited": True},
            {"action": "ping", "limited": True},
            {"action": "drop table", "limited": True},  # raw client input: not a label
            {"limited": True},
        ):
            await ws.send_json(frame)
            assert (await ws.receive_json())["payload"] == {"detail": "rate limited"}
    limited = "chanx_rate_limited_total"
    assert sample(registry, limited, action="ping") == 2
    assert sample(registry, limited, action="unknown") == 2
    assert not exists(registry, limited, action="drop table")
    frames = "chanx_frames_total"
    assert sample(registry, frames, action="ping", outcome="rate_limited") == 2
    assert sample(registry, frames, action="unknown", outcome="rate_limited") == 2
    assert not exists(registry, frames, action="ping", outcome="ok")
    assert not exists(registry, "chanx_handler_duration_seconds_count", action="ping")
    assert sample(registry, "chanx_error_frames_total", code="rate_limited") == 4


async def test_messages_dropped_for_a_slow_client(registry: CollectorRegistry) -> None:
    layer = InMemoryChannelLayer(capacity=3)
    LayerConsumer.layer = layer
    slow = GatedHarness(Metered)
    assert (await slow.connect()).accepted
    slow.open.clear()
    for n in range(10):
        await layer.group_send("room", {"type": "chanx.broadcast", "text": f'{{"n":{n}}}'})
    dropped = sample(registry, "chanx_messages_dropped_total")
    slow.open.set()
    got: list[Any] = [(await slow.receive_json())["n"] for _ in range(3)]
    # at most one is still queued now: a marker after it is queued too, and read last
    await layer.group_send("room", {"type": "chanx.broadcast", "text": '{"n":"last"}'})
    while got[-1] != "last":
        got.append((await slow.receive_json())["n"])
    await slow.disconnect()
    # the first ones, up to the layer's capacity (3) behind the one in flight, reached the
    # client in order; every other one was dropped and counted
    assert got[:-1] == list(range(len(got) - 1))
    assert 3 <= len(got) - 1 <= 4
    assert dropped == 10 - (len(got) - 1)
    assert sample(registry, "chanx_messages_dropped_total") == dropped  # none since
    assert sample(registry, "chanx_broadcast_deliveries_total") == len(got)


async def asgi_get(app: Any, path: str, kind: str = "http") -> tuple[int, dict[str, str], str]:
    """One request through ``app``: its status, headers and body."""
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    assert start["type"] == "http.response.start"
    headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    return start["status"], headers, body


def scraped(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every chanx sample of a scrape: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith("chanx_") and not s.name.endswith("_created")
    }


async def test_metrics_app_serves_the_registry(registry: CollectorRegistry) -> None:
    async with WebsocketHarness(Metered) as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
        status, headers, body = await asgi_get(metrics_app(registry), "/anything")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    samples = scraped(body)
    consumer = ("consumer", "Metered")
    assert samples[("chanx_connections_open", frozenset({consumer}))] == 1
    ok = frozenset({consumer, ("action", "ping"), ("outcome", "ok")})
    assert samples[("chanx_frames_total", ok)] == 1
    ping = frozenset({consumer, ("action", "ping"), ("le", "+Inf")})
    assert samples[("chanx_handler_duration_seconds_bucket", ping)] == 1


async def test_a_registry_without_frames_scrapes_empty_frame_families() -> None:
    registry = CollectorRegistry()
    observer = MetricsObserver(registry)
    try:
        _, _, body = await asgi_get(metrics_app(registry), "/metrics")
    finally:
        observer.unregister()
    families = {f.name: f for f in text_string_to_metric_families(body)}
    assert families["chanx_frames"].type == "counter"
    assert families["chanx_frames"].samples == []
    assert families["chanx_handler_duration_seconds"].type == "histogram"
    assert families["chanx_handler_duration_seconds"].samples == []


async def test_with_metrics_answers_its_path_and_passes_the_rest_on(
    registry: CollectorRegistry,
) -> None:
    seen: list[tuple[str, str]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["type"], scope["path"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})

    app = with_metrics(inner, registry=registry)
    status, _, body = await asgi_get(app, "/metrics")
    assert status == 200
    assert "# TYPE chanx_frames_total counter" in body
    assert seen == []
    assert (await asgi_get(app, "/metrics/"))[0] == 204  # only the exact path
    assert (await asgi_get(app, "/other"))[2] == "inner"
    assert (await asgi_get(app, "/metrics", kind="websocket"))[0] == 204
    assert seen == [("http", "/metrics/"), ("http", "/other"), ("websocket", "/metrics")]

    custom = with_metrics(inner, "/internal/metrics", registry)
    assert (await asgi_get(custom, "/metrics"))[0] == 204
    status, _, body = await asgi_get(custom, "/internal/metrics")
    assert (status, "chanx_connections_open" in body) == (200, True)


def test_unregister_removes_every_metric_so_a_new_observer_can_register() -> None:
    registry = CollectorRegistry()
    first = MetricsObserver(registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        MetricsObserver(registry)  # what a reload without unregister() runs into
    first.unregister()
    assert [f.name for f in registry.collect()] == []
    second = MetricsObserver(registry)
    names = {f.name for f in registry.collect()}
    second.unregister()
    assert names == {
        "chanx_connections_open",
        "chanx_connections",
        "chanx_frames",
        "chanx_handler_duration_seconds",
        "chanx_error_frames",
        "chanx_events",
        "chanx_events_published",
        "chanx_broadcasts",
        "chanx_broadcast_groups",
        "chanx_broadcast_deliveries",
        "chanx_layer_send_failures",
        "chanx_layer_send_dropped",
        "chanx_auth_rejections",
        "chanx_rate_limited",
        "chanx_messages_dropped",
    }
