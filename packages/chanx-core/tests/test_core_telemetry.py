"""The telemetry hooks: what the core reports, in which order, and nothing when off."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import pytest
from core_consumers import AuthConsumer, ChatConsumer, LayerConsumer, fresh_layer
from core_models import JobResult, UserJoined
from prometheus_client import CollectorRegistry

from chanx.core import ChanxConsumer, ws_handler
from chanx.core.connection import Connection
from chanx.core.envelope import Ref
from chanx.core.layer_messages import trace_carrier
from chanx.core.otel import TracingObserver
from chanx.core.prometheus import MetricsObserver
from chanx.core.telemetry import (
    ConnectionEvent,
    EventOutcome,
    FrameOutcome,
    Observer,
    ObserverBase,
    active,
    install,
    observed,
    uninstall,
)
from chanx.core.testing import RecordingLayer, WebsocketHarness
from chanx.messages import PingMessage
from chanx.messages.outgoing import ErrorMessage


class Recorder(ObserverBase):
    """Records every hook call as a tuple."""

    def __init__(self, carrier: Mapping[str, str] | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.carrier = carrier

    def connection_event(
        self, consumer: Connection, event: ConnectionEvent, code: int | None
    ) -> None:
        self.calls.append(("connection", event, code))

    def connection_ended(self, consumer: Connection) -> None:
        self.calls.append(("ended",))

    def auth_result(self, consumer: Connection, ok: bool, close_code: int | None) -> None:
        self.calls.append(("auth", ok, close_code))

    def frame_started(
        self, consumer: Connection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        self.calls.append(("frame", action, ref, topic))
        return ("token", id(self), action)

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        self.calls.append(("frame done", token, outcome, error_code))

    def frame_refused(
        self, consumer: Connection, outcome: FrameOutcome, error_code: str, ref: Ref | None
    ) -> None:
        self.calls.append(("refused", outcome, error_code, ref))

    def event_sent(
        self, consumer_class: type[Connection], key: str, operation: Literal["send", "broadcast"]
    ) -> Mapping[str, str] | None:
        self.calls.append(("event sent", consumer_class.__name__, key, operation))
        return self.carrier

    def event_started(
        self, consumer: Connection, key: str, carrier: Mapping[str, str] | None
    ) -> Any:
        self.calls.append(("event", key, carrier))
        return ("event token", id(self))

    def event_finished(self, token: Any, outcome: EventOutcome) -> None:
        self.calls.append(("event done", token, outcome))

    def broadcast_sent(self, consumer: Connection, groups: int) -> None:
        self.calls.append(("broadcast", groups))

    def broadcast_delivered(self, consumer: Connection) -> None:
        self.calls.append(("delivered",))

    def layer_send_failed(
        self, consumer_class: type[Connection], operation: str, error: BaseException
    ) -> None:
        self.calls.append(("layer failed", operation, type(error).__name__))


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    fresh_layer()
    yield
    uninstall()


def test_nothing_is_installed_by_default() -> None:
    assert active() == ()
    assert not observed(ChatConsumer)
    recorder = Recorder()
    install(recorder)
    assert active() == (recorder,)
    assert observed(ChatConsumer)
    uninstall()
    assert active() == ()


def test_every_observer_satisfies_the_protocol() -> None:
    observers: list[Observer] = [
        ObserverBase(),
        Recorder(),
        TracingObserver(),
        MetricsObserver(CollectorRegistry()),
    ]
    install(*observers)
    assert active() == tuple(observers)


async def test_a_session_reports_each_hook_in_order() -> None:
    recorder = Recorder(carrier={"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"})
    install(recorder)
    async with WebsocketHarness(ChatConsumer, "/chat") as ws:
        await ws.send_json({"action": "ping", "ref": "a"})
        assert (await ws.receive_json())["action"] == "pong"
        await ws.send_json({"action": "boom"})
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "nope", "ref": 3})
        assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "chat", "payload": {"message": "hi"}})
        assert (await ws.receive_json())["action"] == "chat_notification"
        await ChatConsumer.broadcast_event(UserJoined(payload="bob"), "room")
        assert (await ws.receive_json())["action"] == "chat_notification"
        await ChatConsumer.broadcast_event(JobResult(payload="explode"), "room")
        assert await ws.receive_nothing()
    carrier = recorder.carrier
    token = ("token", id(recorder))
    assert recorder.calls == [
        ("connection", "connect", None),
        ("connection", "accept", None),
        ("frame", "ping", "a", None),
        ("frame done", (*token, "ping"), "ok", None),
        ("frame", "boom", None, None),
        ("frame done", (*token, "boom"), "error", "handler_error"),
        ("refused", "invalid", "invalid_message", 3),
        ("frame", "chat", None, None),
        ("broadcast", 1),
        ("delivered",),
        ("frame done", (*token, "chat"), "ok", None),
        ("event sent", "ChatConsumer", "user_joined", "broadcast"),
        ("event", "user_joined", carrier),
        ("event done", ("event token", id(recorder)), "ok"),
        ("event sent", "ChatConsumer", "job_result", "broadcast"),
        ("event", "job_result", carrier),
        ("event done", ("event token", id(recorder)), "error"),
        ("connection", "disconnect", 1000),
        ("ended",),
    ]


async def test_authentication_results_are_reported() -> None:
    recorder = Recorder()
    install(recorder)
    async with WebsocketHarness(AuthConsumer, "/a", query_string="token=good"):
        pass
    refused = WebsocketHarness(AuthConsumer, "/a", query_string="token=forbidden")
    await refused.connect()  # accepted: the refusal is sent to the client, then it is closed
    assert (await refused.receive_json())["action"] == "authentication"
    closing = await refused.receive_output()
    assert (closing["type"], closing["code"]) == ("websocket.close", 4403)
    assert ("auth", True, None) in recorder.calls
    assert recorder.calls[-4:] == [
        ("connection", "connect", None),
        ("auth", False, 4403),
        ("connection", "accept", None),  # the refusal is sent on an accepted socket
        ("connection", "close", 4403),
    ]


@pytest.mark.parametrize("count", [2, 3])
async def test_observers_are_combined_tokens_and_carriers_kept_apart(count: int) -> None:
    first, second = Recorder({"a": "1"}), Recorder({"b": "2"})
    install(first, second, *[Recorder() for _ in range(count - 2)])
    layer = RecordingLayer(fresh_layer())
    LayerConsumer.layer = layer
    async with WebsocketHarness(ChatConsumer, "/chat") as ws:
        await ws.send_json({"action": "ping"})
        await ws.receive_json()
        await ChatConsumer.broadcast_event(UserJoined(payload="bob"), "room")
        await ws.receive_json()
    assert layer.group_sent[0][1]["trace"] == {"a": "1", "b": "2"}
    for recorder in (first, second):
        assert ("frame done", ("token", id(recorder), "ping"), "ok", None) in recorder.calls
        assert ("event", "user_joined", {"a": "1", "b": "2"}) in recorder.calls


async def test_the_envelope_is_unchanged_when_off() -> None:
    layer = RecordingLayer(fresh_layer())
    LayerConsumer.layer = layer
    install(Recorder(carrier=None))  # an observer that carries nothing adds nothing either
    await ChatConsumer.broadcast_event(UserJoined(payload="x"), "room")
    uninstall()
    await ChatConsumer.broadcast_event(UserJoined(payload="y"), "room")
    assert [set(message) for _, message in layer.group_sent] == [{"type", "key", "event"}] * 2


async def test_a_failing_layer_send_is_reported_and_still_raised() -> None:
    class Broken(RecordingLayer):
        async def group_send(self, group: str, message: Any) -> None:
            raise ConnectionError("layer down")

        async def send(self, channel: str, message: Any) -> None:
            raise ConnectionError("layer down")

    recorder = Recorder()
    install(recorder)
    LayerConsumer.layer = Broken(fresh_layer())
    with pytest.raises(ConnectionError):
        await ChatConsumer.broadcast_event(UserJoined(payload="x"), "room")
    with pytest.raises(ConnectionError):
        await ChatConsumer.send_event(UserJoined(payload="x"), "some-channel")
    assert [c for c in recorder.calls if c[0] == "layer failed"] == [
        ("layer failed", "group_send", "ConnectionError"),
        ("layer failed", "send", "ConnectionError"),
    ]


def test_malformed_trace_carriers_are_ignored() -> None:
    assert trace_carrier({"type": "chanx.event"}) is None
    assert trace_carrier({"type": "chanx.event", "trace": "00-abc"}) is None
    assert trace_carrier({"type": "chanx.event", "trace": {"traceparent": 1}}) is None
    assert trace_carrier({"type": "chanx.event", "trace": {"traceparent": "x"}}) == {
        "traceparent": "x"
    }


class Refuser(ChanxConsumer):
    """A handler answering with an error message of its own (not the route's failure)."""

    @ws_handler(output_type=ErrorMessage)
    async def handle_ping(self, message: PingMessage) -> ErrorMessage:
        return ErrorMessage(payload={"detail": "not now"})


@pytest.mark.parametrize("ref", [None, "r1"])
async def test_an_error_message_returned_by_a_handler_is_reported_as_such(
    ref: str | None,
) -> None:
    # without a ref the frame takes the consumer's short path, with one the general path:
    # both report the same outcome, and the answer still reaches the client
    recorder = Recorder()
    install(recorder)
    async with WebsocketHarness(Refuser, "/r") as ws:
        frame: dict[str, Any] = {"action": "ping"}
        if ref is not None:
            frame["ref"] = ref
        await ws.send_json(frame)
        answer = await ws.receive_json()
        assert (answer["action"], answer["payload"]) == ("error", {"detail": "not now"})
    token = ("token", id(recorder), "ping")
    assert ("frame", "ping", ref, None) in recorder.calls
    assert ("frame done", token, "error", "error_message") in recorder.calls
