"""OpenTelemetry tracing in process: the spans of chanx.core.otel, read from the SDK.

Spans go through a real SDK ``TracerProvider`` to its in-memory exporter; consumers are driven
with :class:`~chanx.core.testing.WebsocketHarness`. The same spans over real servers and Redis
are tested in tests/e2e/test_telemetry_e2e.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import ChatConsumer, LayerConsumer, OwnRateLimit, fresh_layer, refuse
from core_models import DeleteMessage, HangMessage, JobResult, UserJoined
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, SpanKind, StatusCode

from chanx.core import BaseAuthenticator, ws_handler
from chanx.core.layer_messages import event_envelope
from chanx.core.otel import TracingObserver
from chanx.core.telemetry import install, uninstall
from chanx.core.testing import RecordingLayer, WebsocketHarness
from chanx.messages import BaseMessage, PingMessage, PongMessage

EXPORTER = InMemorySpanExporter()
PROVIDER = TracerProvider()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))
#: the application's own tracer (spans of handlers and views)
APP_TRACER = PROVIDER.get_tracer("chanx-tests")


class TracedMessage(BaseMessage):
    action: Literal["traced"] = "traced"


class Traced(ChatConsumer):
    """ChatConsumer, plus a size limit, a handler with a span of its own, a timeout, a refusal."""

    max_message_size = 1024
    handler_timeout = 0.25  # far above a failing handler's run time, even on a busy machine
    handler_spans: ClassVar[list[SpanContext]] = []

    @ws_handler
    async def handle_traced(self, message: TracedMessage) -> PongMessage:
        with APP_TRACER.start_as_current_span("inside traced") as span:
            self.handler_spans.append(span.get_span_context())
            return PongMessage()

    @ws_handler
    async def handle_hang(self, message: HangMessage) -> PongMessage:
        await asyncio.Event().wait()  # never set: only the handler timeout ends it
        return PongMessage()  # pragma: no cover - never reached

    @ws_handler(permission_classes=[refuse])
    async def handle_delete(self, message: DeleteMessage) -> PongMessage:
        return PongMessage()  # pragma: no cover - always refused


@pytest.fixture(autouse=True)
def exporter() -> Iterator[InMemorySpanExporter]:
    fresh_layer()
    EXPORTER.clear()
    install(TracingObserver(tracer_provider=PROVIDER))
    yield EXPORTER
    uninstall()
    LayerConsumer.layer = None
    EXPORTER.clear()


def finished(prefix: str = "") -> list[ReadableSpan]:
    return [s for s in EXPORTER.get_finished_spans() if s.name.startswith(prefix)]


def only(name: str) -> ReadableSpan:
    found = [s for s in EXPORTER.get_finished_spans() if s.name == name]
    assert len(found) == 1, (name, [s.name for s in EXPORTER.get_finished_spans()])
    return found[0]


def context_of(span: ReadableSpan) -> SpanContext:
    found = span.get_span_context()
    assert found is not None
    return found


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def events(span: ReadableSpan) -> list[tuple[str, dict[str, Any]]]:
    return [(e.name, dict(e.attributes or {})) for e in span.events]


def links(span: ReadableSpan) -> list[SpanContext]:
    return [link.context for link in span.links]


def ids(context: SpanContext | None) -> tuple[int, int]:
    assert context is not None
    return context.trace_id, context.span_id


def status(span: ReadableSpan) -> tuple[StatusCode, str | None]:
    return span.status.status_code, span.status.description


def test_a_frame_ratio_outside_zero_to_one_is_refused() -> None:
    for ratio in (-0.1, 1.5):
        message = f"frame_ratio must be between 0.0 and 1.0, not {ratio!r}"
        with pytest.raises(ValueError, match=re.escape(message)):
            TracingObserver(PROVIDER, frame_ratio=ratio)


async def test_the_connection_span_records_its_lifecycle() -> None:
    async with WebsocketHarness(Traced, "/ws/traced") as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
        assert finished("websocket") == []  # open: its span has not ended
    connection = only("websocket Traced")
    assert connection.kind is SpanKind.SERVER
    assert connection.parent is None
    assert attributes(connection) == {
        "messaging.system": "chanx",
        "chanx.consumer": "Traced",
        "url.path": "/ws/traced",
    }
    assert events(connection) == [
        ("connect", {}),
        ("accept", {}),
        ("disconnect", {"chanx.close_code": 1000}),
    ]
    assert status(connection) == (StatusCode.UNSET, None)


async def test_each_frame_is_a_root_span_linked_to_its_connection() -> None:
    async with WebsocketHarness(Traced) as ws:
        await ws.send_json({"action": "ping", "ref": "r1"})
        assert (await ws.receive_json())["action"] == "pong"
        await ws.send_json({"action": "ping", "ref": 7})
        assert (await ws.receive_json())["action"] == "pong"
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    connection = context_of(only("websocket Traced"))
    by_ref, by_int, plain = finished("process ")
    for span in (by_ref, by_int, plain):
        assert span.name == "process ping"
        assert span.kind is SpanKind.CONSUMER
        assert span.parent is None  # a trace of its own...
        assert context_of(span).trace_id != connection.trace_id
        assert links(span) == [connection]  # ...linked to the connection
        assert status(span) == (StatusCode.UNSET, None)
    assert attributes(plain) == {
        "messaging.system": "chanx",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": "ping",
        "chanx.consumer": "Traced",
        "chanx.kind": "frame",
        "chanx.action": "ping",
        "chanx.outcome": "ok",
    }
    assert attributes(by_ref)["chanx.ref"] == "r1"
    assert attributes(by_ref)["messaging.message.conversation_id"] == "r1"
    assert attributes(by_int)["chanx.ref"] == 7
    assert attributes(by_int)["messaging.message.conversation_id"] == "7"


async def test_the_frame_span_is_current_while_its_handler_runs() -> None:
    Traced.handler_spans.clear()
    async with WebsocketHarness(Traced) as ws:
        await ws.send_json({"action": "traced"})
        assert (await ws.receive_json())["action"] == "pong"
    frame = only("process traced")
    inside = only("inside traced")
    assert inside.parent == context_of(frame)
    assert context_of(inside).trace_id == context_of(frame).trace_id
    assert Traced.handler_spans == [context_of(inside)]


async def test_failed_and_refused_frames_have_an_error_status_naming_the_code() -> None:
    async with WebsocketHarness(Traced) as ws:
        await ws.send_json({"action": "boom"})  # the handler raises
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "hang"})  # outlives handler_timeout
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "delete"})  # its permission refuses
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "nope", "ref": "r2"})  # not a known message
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_bytes(b"\x00")
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_text('{"action":"ping","pad":"' + "x" * 2000 + '"}')
        assert (await ws.receive_json())["action"] == "error"
    connection = context_of(only("websocket Traced"))
    spans = finished("process ")
    assert [s.name for s in spans] == [
        "process boom",
        "process hang",
        "process delete",
        "process unknown",
        "process unknown",
        "process unknown",
    ]
    expected = [
        ("boom", "error", "handler_error"),
        ("hang", "error", "handler_timeout"),
        ("delete", "error", "permission_denied"),
        ("unknown", "invalid", "invalid_message"),
        ("unknown", "invalid", "binary_frame"),
        ("unknown", "invalid", "message_too_large"),
    ]
    for span, (action, outcome, code) in zip(spans, expected, strict=True):
        assert span.kind is SpanKind.CONSUMER
        assert span.parent is None
        assert links(span) == [connection]
        assert attributes(span)["chanx.kind"] == "frame"
        assert attributes(span)["chanx.action"] == action
        assert attributes(span)["messaging.destination.name"] == action
        assert attributes(span)["chanx.outcome"] == outcome
        assert attributes(span)["error.type"] == code
        assert status(span) == (StatusCode.ERROR, code)
    assert attributes(spans[3])["chanx.ref"] == "r2"  # a refused frame keeps its ref
    assert attributes(spans[3])["messaging.message.conversation_id"] == "r2"
    assert "chanx.ref" not in attributes(spans[4])


class OwnLimiter(OwnRateLimit, ChatConsumer):
    """A project's own rate limiter: frames of a ``limited`` flag are rejected and reported."""


async def test_rate_limited_frames_get_a_span_with_a_bounded_action() -> None:
    async with WebsocketHarness(OwnLimiter) as ws:
        for frame in (
            {"action": "ping", "limited": True},  # a routed action: named
            {"action": "drop table", "limited": True},  # raw client input: not a label
            {"limited": True},  # no action at all
        ):
            await ws.send_json(frame)
            assert (await ws.receive_json())["payload"] == {"detail": "rate limited"}
    connection = context_of(only("websocket OwnLimiter"))
    spans = finished("process ")
    assert [s.name for s in spans] == ["process ping", "process unknown", "process unknown"]
    for span in spans:
        assert links(span) == [connection]
        assert attributes(span)["chanx.outcome"] == "rate_limited"
        assert attributes(span)["error.type"] == "rate_limited"
        assert status(span) == (StatusCode.ERROR, "rate_limited")
        assert "chanx.ref" not in attributes(span)


class Guarded(LayerConsumer):
    """Refuses ``?token=no`` with 403; its authenticator waits for ``gate`` first."""

    class Auth(BaseAuthenticator):
        gate: ClassVar[asyncio.Event | None] = None
        waiting: ClassVar[asyncio.Event | None] = None

        async def authenticate(self) -> bool:
            if self.gate is not None and self.waiting is not None:
                self.waiting.set()
                await self.gate.wait()
            if self.get_query_param("token") == "no":
                self.status_code, self.detail = 403, "no"
                return False
            return True

    authenticator_class = Auth

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


async def test_authentication_is_an_event_and_a_refusal_an_error_status() -> None:
    async with WebsocketHarness(Guarded, "/g", query_string="token=yes") as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    refused = WebsocketHarness(Guarded, "/g", query_string="token=no")
    await refused.connect()
    assert (await refused.receive_json())["action"] == "authentication"
    assert await refused.assert_closed(4403) == 4403
    await refused.disconnect(4403)
    allowed, denied = finished("websocket")
    assert events(allowed) == [
        ("connect", {}),
        ("auth", {"chanx.auth.ok": True}),
        ("accept", {}),
        ("disconnect", {"chanx.close_code": 1000}),
    ]
    assert status(allowed) == (StatusCode.UNSET, None)
    assert events(denied) == [
        ("connect", {}),
        ("auth", {"chanx.auth.ok": False, "chanx.close_code": 4403}),
        ("accept", {}),
        ("close", {"chanx.close_code": 4403}),
        ("disconnect", {"chanx.close_code": 4403}),
    ]
    assert status(denied) == (StatusCode.ERROR, "authentication refused (4403)")


async def test_a_connection_open_before_install_reports_from_its_next_hook_on() -> None:
    uninstall()
    Guarded.Auth.gate, Guarded.Auth.waiting = asyncio.Event(), asyncio.Event()
    try:
        ws = WebsocketHarness(Guarded, "/g")
        connecting = asyncio.ensure_future(ws.connect())
        await asyncio.wait_for(Guarded.Auth.waiting.wait(), 2)  # connect was not observed
        install(TracingObserver(PROVIDER))
        Guarded.Auth.gate.set()  # auth and accept are: of a connection without a span
        assert (await connecting).accepted
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
        await ws.disconnect()
    finally:
        Guarded.Auth.gate = Guarded.Auth.waiting = None
    frame = only("process ping")  # the frame has its span, linked to nothing
    assert links(frame) == []
    assert attributes(frame)["chanx.outcome"] == "ok"
    assert finished("websocket") == []  # no connection span was started late


async def test_an_event_continues_the_senders_trace() -> None:
    async with WebsocketHarness(Traced) as ws:
        with APP_TRACER.start_as_current_span("sender") as sender_span:
            await Traced.broadcast_event(UserJoined(payload="bob"), "room")
        assert (await ws.receive_json())["action"] == "chat_notification"
    sender = only("sender")
    assert events(sender) == [
        (
            "chanx.event_sent",
            {"chanx.event.key": "user_joined", "chanx.event.operation": "broadcast"},
        )
    ]
    assert context_of(sender) == sender_span.get_span_context()
    handler = only("process user_joined")
    connection = context_of(only("websocket Traced"))
    assert handler.kind is SpanKind.CONSUMER
    assert ids(handler.parent) == ids(context_of(sender))  # from the envelope's carrier
    assert context_of(handler).trace_id == context_of(sender).trace_id
    assert [ids(c) for c in links(handler)] == [ids(context_of(sender)), ids(connection)]
    assert attributes(handler) == {
        "messaging.system": "chanx",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": "user_joined",
        "chanx.consumer": "Traced",
        "chanx.kind": "event",
        "chanx.outcome": "ok",
    }
    assert status(handler) == (StatusCode.UNSET, None)


async def test_an_event_sent_outside_any_span_carries_no_context() -> None:
    layer = RecordingLayer(fresh_layer())
    LayerConsumer.layer = layer
    async with WebsocketHarness(Traced) as ws:
        await Traced.broadcast_event(UserJoined(payload="x"), "room")
        assert (await ws.receive_json())["action"] == "chat_notification"
    assert "trace" not in layer.group_sent[0][1]
    handler = only("process user_joined")
    assert handler.parent is None  # a trace of its own, linked to the connection only
    assert links(handler) == [context_of(only("websocket Traced"))]


async def test_failed_and_invalid_events_have_an_error_status() -> None:
    layer = fresh_layer()
    async with WebsocketHarness(Traced) as ws:
        await Traced.broadcast_event(JobResult(payload="explode"), "room")  # the handler raises
        await layer.group_send("room", event_envelope("user_joined", '{"payload": 5}'))
        # a carrier that holds no valid context: the event is a root, linked to its connection
        await layer.group_send(
            "room", event_envelope("user_joined", '{"payload": "eve"}', {"traceparent": "junk"})
        )
        # events of a connection are handled in order: this one's reply means all were
        assert (await ws.receive_json())["payload"] == {
            "message": "eve joined",
            "user_name": "anon",
        }
    connection = context_of(only("websocket Traced"))
    failed, invalid, junk = finished("process ")
    assert failed.name == "process job_result"
    assert attributes(failed)["chanx.outcome"] == "error"
    assert attributes(failed)["error.type"] == "event_error"
    assert status(failed) == (StatusCode.ERROR, "event_error")
    assert invalid.name == "process user_joined"
    assert attributes(invalid)["chanx.outcome"] == "invalid"
    assert attributes(invalid)["error.type"] == "event_invalid"
    assert status(invalid) == (StatusCode.ERROR, "event_invalid")
    assert (junk.parent, links(junk)) == (None, [connection])
    assert attributes(junk)["chanx.outcome"] == "ok"
    assert "error.type" not in attributes(junk)


async def test_a_frame_ratio_of_zero_traces_no_handled_frame() -> None:
    install(TracingObserver(PROVIDER, frame_ratio=0.0))
    async with WebsocketHarness(Traced) as ws:
        await ws.send_json({"action": "traced"})
        assert (await ws.receive_json())["action"] == "pong"
        await ws.send_json({"action": "boom"})
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "nope"})  # refused frames are not sampled
        assert (await ws.receive_json())["action"] == "error"
    assert [s.name for s in finished("process ")] == ["process unknown"]
    inside = only("inside traced")
    assert inside.parent is None  # the handler's own span starts a trace of its own
    assert only("websocket Traced").status.status_code is StatusCode.UNSET


async def test_a_frame_ratio_between_samples_about_that_share() -> None:
    install(TracingObserver(PROVIDER, frame_ratio=0.5))
    frames = 200
    async with WebsocketHarness(Traced) as ws:
        for _ in range(frames):
            await ws.send_json({"action": "ping"})
            assert (await ws.receive_json())["action"] == "pong"
    sampled = len(finished("process ping"))
    # binomial(200, 0.5): outside 60..140 has a probability below 1e-8
    assert 60 <= sampled <= 140, sampled
