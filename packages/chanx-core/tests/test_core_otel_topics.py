"""Frame spans of topic frames carry the topic (OpenTelemetry SDK, in-memory exporter)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer

from chanx.core import ws_handler
from chanx.core.telemetry import install, uninstall
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage

sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
export = pytest.importorskip("opentelemetry.sdk.trace.export")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
otel = pytest.importorskip("chanx.core.otel")


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"


class Cancelled(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: str


class Fail(BaseMessage):
    action: Literal["fail"] = "fail"


class RunTopic(Topic[BaseMessage]):
    pattern = "run:{run_id}"

    @ws_handler
    async def cancel(self, message: Cancel) -> Cancelled:
        return Cancelled(payload=self.params["run_id"])

    @ws_handler
    async def fail(self, message: Fail) -> None:
        raise RuntimeError("topic handler failed")


class Runs(LayerConsumer):
    topics = [RunTopic]

    @ws_handler
    async def cancel(self, message: Cancel) -> Cancelled:
        return Cancelled(payload="consumer")


@pytest.fixture
def exporter() -> Iterator[object]:
    fresh_layer()
    spans = in_memory.InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(export.SimpleSpanProcessor(spans))
    install(otel.TracingObserver(provider))
    yield spans
    uninstall()
    LayerConsumer.layer = None


def frame_spans(exporter: object) -> list[object]:
    spans = exporter.get_finished_spans()  # type: ignore[attr-defined]
    return [s for s in spans if s.attributes.get("chanx.kind") == "frame"]


async def test_topic_frames_carry_the_topic_and_plain_frames_do_not(exporter: object) -> None:
    async with WebsocketHarness(Runs) as ws:
        await ws.send_json({"topic": "run:7", "action": "subscribe"})
        assert (await ws.receive_json())["action"] == "subscribed"
        await ws.send_json({"topic": "run:7", "action": "cancel", "ref": "c"})
        assert (await ws.receive_json())["payload"] == "7"
        await ws.send_json({"topic": "run:7", "action": "fail"})
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "cancel"})
        assert (await ws.receive_json())["payload"] == "consumer"
    topic_ok, topic_failed, plain = frame_spans(exporter)
    assert topic_ok.attributes["chanx.topic"] == "run:7"  # type: ignore[attr-defined]
    assert topic_ok.attributes["chanx.action"] == "cancel"  # type: ignore[attr-defined]
    assert topic_ok.attributes["chanx.ref"] == "c"  # type: ignore[attr-defined]
    assert topic_ok.attributes["chanx.outcome"] == "ok"  # type: ignore[attr-defined]
    assert topic_failed.attributes["chanx.topic"] == "run:7"  # type: ignore[attr-defined]
    assert topic_failed.attributes["error.type"] == "handler_error"  # type: ignore[attr-defined]
    assert "chanx.topic" not in plain.attributes  # type: ignore[attr-defined]
