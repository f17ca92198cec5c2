"""Several observers at once: each receives every hook, in order, with its own token.

One scripted session reaches every hook of :class:`~chanx.core.telemetry.Observer`; it runs
with two observers (the unrolled pair), three (the general fan-out), the do-nothing
:class:`~chanx.core.telemetry.ObserverBase` and nothing installed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import pytest
from core_consumers import ChatConsumer, GatedHarness, LayerConsumer, OwnRateLimit
from core_models import UserJoined

from chanx.core import BaseAuthenticator, InMemoryChannelLayer
from chanx.core._fanout import Fanout, Pair
from chanx.core.connection import Connection
from chanx.core.envelope import Ref
from chanx.core.telemetry import (
    ConnectionEvent,
    EventOutcome,
    FrameOutcome,
    Observer,
    ObserverBase,
    active,
    install,
    uninstall,
)
from chanx.core.testing import RecordingLayer, WebsocketHarness

Log = list[tuple[Any, ...]]


class Named(ObserverBase):
    """Logs ``(name, hook, details...)`` for every hook into a log shared by all observers."""

    def __init__(self, name: str, log: Log) -> None:
        self.name = name
        self.log = log

    def _add(self, *entry: Any) -> None:
        self.log.append((self.name, *entry))

    def connection_event(
        self, consumer: Connection, event: ConnectionEvent, code: int | None
    ) -> None:
        self._add("connection_event", event, code)

    def connection_ended(self, consumer: Connection) -> None:
        self._add("connection_ended")

    def auth_result(self, consumer: Connection, ok: bool, close_code: int | None) -> None:
        self._add("auth_result", ok, close_code)

    def frame_started(
        self, consumer: Connection, action: str, ref: Ref | None, topic: str | None
    ) -> Any:
        self._add("frame_started", action, ref)
        return self.name, action

    def frame_finished(self, token: Any, outcome: FrameOutcome, error_code: str | None) -> None:
        self._add("frame_finished", token[0] == self.name, token[1], outcome, error_code)

    def frame_refused(
        self, consumer: Connection, outcome: FrameOutcome, error_code: str, ref: Ref | None
    ) -> None:
        self._add("frame_refused", outcome, error_code, ref)

    def event_sent(
        self, consumer_class: type[Connection], key: str, operation: Literal["send", "broadcast"]
    ) -> Mapping[str, str] | None:
        self._add("event_sent", consumer_class.__name__, key, operation)
        return {f"carrier-{self.name}": self.name}

    def event_started(
        self, consumer: Connection, key: str, carrier: Mapping[str, str] | None
    ) -> Any:
        self._add("event_started", key, sorted((carrier or {}).items()))
        return self.name, key

    def event_finished(self, token: Any, outcome: EventOutcome) -> None:
        self._add("event_finished", token[0] == self.name, token[1], outcome)

    def broadcast_sent(self, consumer: Connection, groups: int) -> None:
        self._add("broadcast_sent", groups)

    def broadcast_delivered(self, consumer: Connection) -> None:
        self._add("broadcast_delivered")

    def layer_send_failed(
        self, consumer_class: type[Connection], operation: str, error: BaseException
    ) -> None:
        self._add("layer_send_failed", operation, type(error).__name__)

    def layer_send_dropped(
        self, consumer_class: type[Connection], operation: str, reason: str
    ) -> None:
        self._add("layer_send_dropped", operation, reason)

    def rate_limited(self, consumer: Connection, action: str | None) -> None:
        self._add("rate_limited", action)

    def message_dropped(self, consumer: Connection) -> None:
        self._add("message_dropped")


class Everything(OwnRateLimit, ChatConsumer):
    """ChatConsumer with an authenticator (``?token=good``) and a rate limiter of its own."""

    class Auth(BaseAuthenticator):
        async def authenticate(self) -> bool:
            if self.get_query_param("token") == "good":
                return True
            self.status_code, self.detail = 401, "no"
            return False

    authenticator_class = Auth


class Broken(RecordingLayer):
    """Sends fail as when Redis drops the connection mid-command; the layer still answers."""

    async def group_send(self, group: str, message: Any) -> None:
        raise ConnectionError("Connection closed by server.")


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield
    uninstall()
    LayerConsumer.layer = None


async def session() -> tuple[list[Any], list[dict[str, Any]]]:
    """Every hook, once or more: what the clients received and what the layer was sent."""
    layer = RecordingLayer(InMemoryChannelLayer())
    LayerConsumer.layer = layer
    got: list[Any] = []
    async with WebsocketHarness(Everything, query_string="token=good") as ws:
        for frame in (
            {"action": "ping", "ref": "p"},
            {"action": "nope"},
            {"action": "ping", "limited": True},
            {"action": "chat", "payload": {"message": "hi"}},
        ):
            await ws.send_json(frame)
            got.append(await ws.receive_json())
        await Everything.broadcast_event(UserJoined(payload="bob"), "room")
        got.append(await ws.receive_json())
        LayerConsumer.layer = Broken(InMemoryChannelLayer())
        with pytest.raises(ConnectionError):
            await Everything.broadcast_event(UserJoined(payload="eve"), "room")
        LayerConsumer.layer = layer
    refused = WebsocketHarness(Everything, query_string="token=bad")
    await refused.connect()
    got.append(await refused.receive_json())
    got.append(await refused.assert_closed())
    await refused.disconnect(4401)
    return got, [message for _, message in layer.group_sent]


async def slow_client_session() -> list[Any]:
    """A client that stops reading while two broadcasts arrive: one is forwarded, one dropped."""
    layer = InMemoryChannelLayer(capacity=1)
    LayerConsumer.layer = layer
    slow = GatedHarness(Everything, query_string="token=good")
    assert (await slow.connect()).accepted
    slow.open.clear()
    for n in range(2):  # no await yields here: the first forward waits, the second is dropped
        await layer.group_send("room", {"type": "chanx.broadcast", "text": f'{{"n":{n}}}'})
    slow.open.set()
    got = [await slow.receive_json()]
    await slow.disconnect()
    return got


def calls(log: Log, names: list[str]) -> list[tuple[Any, ...]]:
    """The hooks of ``log``, once each, after checking every observer got each in turn.

    Each hook reaches the observers in the order they were installed; ``*_finished`` hooks
    in the reverse order (context a first observer made current is restored last).
    """
    size = len(names)
    assert len(log) % size == 0, log
    hooks = []
    for i in range(0, len(log), size):
        block = log[i : i + size]
        hook = block[0][1:]
        assert all(entry[1:] == hook for entry in block), block
        order = names[::-1] if hook[0].endswith("_finished") else names
        assert [entry[0] for entry in block] == order, block
        hooks.append(hook)
    return hooks


@pytest.mark.parametrize("count", [2, 3])
async def test_every_hook_reaches_every_observer_in_order(count: int) -> None:
    log: Log = []
    names = ["first", "second", "third"][:count]
    observers = [Named(name, log) for name in names]
    install(*observers)
    assert type(Connection._chanx_telemetry) is (Pair if count == 2 else Fanout)
    assert active() == tuple(observers)

    got, sent = await session()
    carrier = sorted({f"carrier-{name}": name for name in names}.items())
    ok = ("frame_finished", True)
    assert calls(log, names) == [
        ("connection_event", "connect", None),
        ("auth_result", True, None),
        ("connection_event", "accept", None),
        ("frame_started", "ping", "p"),
        (*ok, "ping", "ok", None),
        ("frame_refused", "invalid", "invalid_message", None),
        ("rate_limited", "ping"),
        ("frame_started", "chat", None),
        ("broadcast_sent", 1),
        ("broadcast_delivered",),
        (*ok, "chat", "ok", None),
        ("event_sent", "Everything", "user_joined", "broadcast"),
        ("event_started", "user_joined", carrier),
        ("event_finished", True, "user_joined", "ok"),
        ("event_sent", "Everything", "user_joined", "broadcast"),
        ("layer_send_failed", "group_send", "ConnectionError"),
        ("layer_send_dropped", "group_send", "unconfirmed"),
        ("connection_event", "disconnect", 1000),
        ("connection_ended",),
        ("connection_event", "connect", None),
        ("auth_result", False, 4401),
        ("connection_event", "accept", None),
        ("connection_event", "close", 4401),
        ("connection_event", "disconnect", 4401),
        ("connection_ended",),
    ]
    assert [m.get("trace") for m in sent if m["type"] == "chanx.event"] == [dict(carrier)]
    assert [frame["action"] for frame in got[:-1]] == [
        "pong",
        "error",
        "error",
        "chat_notification",
        "chat_notification",
        "authentication",
    ]

    log.clear()
    assert await slow_client_session() == [{"n": 0}]
    assert calls(log, names) == [
        ("connection_event", "connect", None),
        ("auth_result", True, None),
        ("connection_event", "accept", None),
        ("broadcast_delivered",),
        ("message_dropped",),
        ("connection_event", "disconnect", 1000),
        ("connection_ended",),
    ]


class Silent(ObserverBase):
    """An observer overriding nothing."""


@pytest.mark.parametrize(
    "observers",
    [(ObserverBase(),), (Silent(), Silent()), (Silent(), ObserverBase(), Silent())],
    ids=["one", "pair", "three"],
)
async def test_observers_that_override_nothing_change_nothing(
    observers: tuple[Observer, ...],
) -> None:
    plain_got, plain_sent = await session()  # nothing installed
    plain_slow = await slow_client_session()
    assert [g if isinstance(g, int) else g["action"] for g in plain_got] == [
        "pong",
        "error",
        "error",
        "chat_notification",
        "chat_notification",
        "authentication",
        4401,
    ]
    install(*observers)
    assert active() == observers
    got, sent = await session()
    assert got == plain_got
    # nothing carried: event envelopes are exactly what they are without telemetry
    assert sent == plain_sent
    assert [set(m) for m in sent if m["type"] == "chanx.event"] == [{"type", "key", "event"}]
    assert await slow_client_session() == plain_slow == [{"n": 0}]


def test_install_with_no_observer_uninstalls() -> None:
    first, second = Silent(), Silent()
    install(first)
    assert active() == (first,)
    install(first, second)  # replaces: not added to what was installed
    assert active() == (first, second)
    install()
    assert active() == ()
    assert Connection._chanx_telemetry is None
