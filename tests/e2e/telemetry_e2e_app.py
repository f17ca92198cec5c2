"""The FastAPI app of the telemetry end-to-end tests (``--app-dir tests/e2e``).

Tracing and metrics are installed at import: spans go to the OpenTelemetry SDK's in-memory
exporter (served as JSON by ``GET /spans``), metrics to a registry of this app served by
``GET /metrics`` (:func:`chanx.core.prometheus.with_metrics`). ``REDIS_URL`` unset: in-memory
layer with a capacity of 3 per channel; set: fast-channels' Redis layer with
``CHANX_LAYER_PREFIX``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.otel import TracingObserver
from chanx.core.prometheus import MetricsObserver, with_metrics
from chanx.core.telemetry import install
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.mixins import BucketSpec, RateLimitMixin

CAPACITY = 3
setup_layers(
    os.environ.get("REDIS_URL") or None,
    prefix=os.environ.get("CHANX_LAYER_PREFIX", "chanx-e2e-telemetry"),
    capacity=CAPACITY,
)

EXPORTER = InMemorySpanExporter()
PROVIDER = TracerProvider()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))
METRICS = CollectorRegistry()
install(TracingObserver(PROVIDER), MetricsObserver(METRICS))
TRACER = PROVIDER.get_tracer("telemetry-e2e-app")


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: str


class EchoReply(BaseMessage):
    action: Literal["echo_reply"] = "echo_reply"
    payload: str


class BoomMessage(BaseMessage):
    action: Literal["boom"] = "boom"


class SlowMessage(BaseMessage):
    action: Literal["slow"] = "slow"


class LimitedMessage(BaseMessage):
    action: Literal["limited"] = "limited"


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class HeardMessage(BaseMessage):
    action: Literal["heard"] = "heard"
    payload: str


class NoticeEvent(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: str


class NoticeMessage(BaseMessage):
    action: Literal["notice_message"] = "notice_message"
    payload: str


class QueryAuthenticator(BaseAuthenticator):
    """Refuses connections whose URL says ``?deny=<status>``."""

    async def authenticate(self) -> bool:
        deny = self.get_query_param("deny")
        if deny is None:
            return True
        self.status_code = int(deny)
        self.detail = "refused by the test app"
        return False


class TelemetryConsumer(RateLimitMixin, AsyncJsonWebsocketConsumer[NoticeEvent]):
    """Every kind of frame outcome, a broadcast and an event."""

    authenticator_class = QueryAuthenticator
    groups = ["telemetry"]
    handler_timeout = 0.3
    max_message_size = 4096
    rate_limit = None
    rate_limit_actions = {"limited": BucketSpec(capacity=1, refill_rate=0.001)}

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        with TRACER.start_as_current_span("inside echo"):
            return EchoReply(payload=message.payload)

    @ws_handler
    async def handle_boom(self, message: BoomMessage) -> None:
        raise RuntimeError("the handler failed")

    @ws_handler
    async def handle_slow(self, message: SlowMessage) -> None:
        await asyncio.sleep(5)

    @ws_handler
    async def handle_limited(self, message: LimitedMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=HeardMessage)
    async def handle_shout(self, message: ShoutMessage) -> None:
        await self.broadcast_message(HeardMessage(payload=message.payload))

    @event_handler
    async def handle_notice(self, event: NoticeEvent) -> NoticeMessage:
        with TRACER.start_as_current_span("inside notice"):
            return NoticeMessage(payload=event.payload)


api = FastAPI()


@api.get("/health")
async def health() -> dict[str, Any]:
    return {"pid": os.getpid()}


@api.post("/notify")
def notify(text: str) -> dict[str, str]:
    """A sync view (run in a worker thread): publishes an event inside a span of its own."""
    with TRACER.start_as_current_span("notify view") as span:
        TelemetryConsumer.broadcast_event_sync(NoticeEvent(payload=text))
        context = span.get_span_context()
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


@api.post("/flood")
async def flood(count: int) -> dict[str, int]:
    """``count`` events to the group in one go, without yielding to the receivers."""
    for i in range(count):
        await TelemetryConsumer.broadcast_event(NoticeEvent(payload=f"flood {i}"))
    return {"sent": count}


@api.post("/direct")
async def direct(channel: str, count: int) -> dict[str, int]:
    """``count`` events to one channel nobody reads; sends past its capacity fail."""
    failed = 0
    for i in range(count):
        try:
            await TelemetryConsumer.send_event(NoticeEvent(payload=f"direct {i}"), channel)
        except Exception:
            failed += 1
    return {"failed": failed}


def _span(span: ReadableSpan) -> dict[str, Any]:
    context = span.get_span_context()
    assert context is not None
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "attributes": dict(span.attributes or {}),
        "status": span.status.status_code.name,
        "status_description": span.status.description,
        "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events],
        "links": [
            {"trace_id": f"{link.context.trace_id:032x}", "span_id": f"{link.context.span_id:016x}"}
            for link in span.links
        ],
        "ended": span.end_time is not None,
    }


@api.get("/spans")
async def spans() -> list[dict[str, Any]]:
    """Every finished span of this process, oldest first."""
    return [_span(s) for s in EXPORTER.get_finished_spans()]


api.add_api_websocket_route("/ws", TelemetryConsumer.as_asgi())
app = with_metrics(api, registry=METRICS)
