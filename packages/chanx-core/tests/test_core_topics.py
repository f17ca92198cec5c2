"""Topics on the framework-free core: patterns, the subscribe protocol, handlers, limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer

from chanx.core import InMemoryChannelLayer, event_handler, ws_handler
from chanx.core.envelope import TopicErrorReason
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage
from chanx.utils.groups import MAX_GROUP_NAME_LENGTH, safe_group_name


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"


class Cancelled(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: str


class Say(BaseMessage):
    action: Literal["say"] = "say"
    payload: str


class Said(BaseMessage):
    action: Literal["said"] = "said"
    payload: str


class Progress(BaseMessage):
    action: Literal["progress"] = "progress"
    payload: int


class ProgressShown(BaseMessage):
    action: Literal["progress_shown"] = "progress_shown"
    payload: int


class RunTopic(Topic[Progress]):
    pattern = "run:{run_id}"
    emits = [Said]  # sent by on_subscribe
    seen: ClassVar[list[str]] = []

    async def authorize(self, run_id: str) -> bool:
        return run_id != "secret"

    async def on_subscribe(self) -> None:
        self.seen.append(f"sub:{self.topic}")
        await self.send_message(Said(payload=f"welcome {self.params['run_id']}"))

    async def on_unsubscribe(self) -> None:
        self.seen.append(f"unsub:{self.topic}")

    @ws_handler
    async def cancel(self, message: Cancel) -> Cancelled:
        return Cancelled(payload=f"run {self.params['run_id']}")

    @event_handler
    async def on_progress(self, event: Progress) -> ProgressShown:
        return ProgressShown(payload=event.payload)


class DocTopic(Topic[Progress]):
    pattern = "doc:{doc_id}:{section}"

    @ws_handler
    async def cancel(self, message: Cancel) -> Cancelled:  # same action, other topic
        return Cancelled(payload=f"doc {self.params['doc_id']}/{self.params['section']}")


class Hub(LayerConsumer):
    topics = [RunTopic, DocTopic]
    max_topics = 3

    @ws_handler
    async def say(self, message: Say) -> Said:
        return Said(payload=message.payload)


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    RunTopic.seen.clear()
    yield fresh_layer()
    LayerConsumer.layer = None


def test_pattern_compiles_to_an_anchored_regex() -> None:
    assert RunTopic.param_names == ("run_id",)
    assert RunTopic.parse("run:7") == {"run_id": "7"}
    assert RunTopic.parse("run:7:x") is None
    assert RunTopic.parse("xrun:7") is None
    assert DocTopic.parse("doc:a:b") == {"doc_id": "a", "section": "b"}

    class Dotted(Topic[Any]):
        pattern = "a.b+{x}"

    assert Dotted.parse("a.b+1") == {"x": "1"}
    assert Dotted.parse("aXb+1") is None  # literals are escaped


def test_bad_patterns_fail_at_class_creation() -> None:
    with pytest.raises(TypeError, match="repeats the placeholder"):

        class Twice(Topic[Any]):
            pattern = "{a}:{a}"

    with pytest.raises(TypeError, match="other braces"):

        class Braces(Topic[Any]):
            pattern = "x:{1}"

    with pytest.raises(TypeError, match="not a Topic subclass with a pattern"):

        class NoPattern(LayerConsumer):
            topics = [Topic]


def test_group_names_are_namespaced_and_bounded() -> None:
    assert RunTopic.group_name("run:7") == "RunTopic.run-7"
    assert safe_group_name("a b", "", "c!!d", namespace="N") == "N.a-b.c-d"
    long_a = safe_group_name("x" * 200)
    long_b = safe_group_name("x" * 199 + "y")
    assert len(long_a) == MAX_GROUP_NAME_LENGTH
    assert long_a != long_b
    assert long_a == safe_group_name("x" * 200)  # deterministic
    with pytest.raises(ValueError, match="no usable group name"):
        safe_group_name("::", "")


async def test_multiplexed_topics_with_scoped_actions_and_refs() -> None:
    async with WebsocketHarness(Hub) as ws:
        await ws.send_json({"topic": "run:1", "ref": "a", "action": "subscribe"})
        assert await ws.receive_json() == {
            "action": "subscribed", "payload": None, "version": 1, "topic": "run:1", "ref": "a",
        }  # fmt: skip
        # on_subscribe pushes: no ref
        assert await ws.receive_json() == {
            "action": "said", "payload": "welcome 1", "version": 1, "topic": "run:1",
        }  # fmt: skip
        await ws.send_json({"topic": "doc:9:intro", "ref": "b", "action": "subscribe"})
        assert (await ws.receive_json())["action"] == "subscribed"
        await ws.send_json({"topic": "doc:9:intro", "ref": "c", "action": "cancel"})
        assert await ws.receive_json() == {
            "action": "cancelled", "payload": "doc 9/intro", "version": 1,
            "topic": "doc:9:intro", "ref": "c",
        }  # fmt: skip
        await ws.send_json({"topic": "run:1", "action": "cancel"})
        assert await ws.receive_json() == {
            "action": "cancelled", "payload": "run 1", "version": 1, "topic": "run:1",
        }  # fmt: skip
        # frames without topic still reach the consumer, unchanged
        await ws.send_json({"action": "say", "payload": "plain"})
        assert await ws.receive_json() == {"action": "said", "payload": "plain"}
        await RunTopic.broadcast("run:1", Progress(payload=50), seq=4)
        assert await ws.receive_json() == {
            "action": "progress_shown", "payload": 50, "version": 1, "topic": "run:1", "seq": 4,
        }  # fmt: skip
        await DocTopic.broadcast("doc:9:intro", Progress(payload=1))  # no event handler
        await ws.send_json({"topic": "run:1", "ref": "d", "action": "subscribe"})
        assert (await ws.receive_json())["ref"] == "d"  # a repeat only confirms
        assert RunTopic.seen == ["sub:run:1"]
        await ws.send_json({"topic": "run:1", "ref": "e", "action": "unsubscribe"})
        assert await ws.receive_json() == {
            "action": "unsubscribed", "payload": None, "version": 1, "topic": "run:1", "ref": "e",
        }  # fmt: skip
        assert RunTopic.seen == ["sub:run:1", "unsub:run:1"]
        await RunTopic.broadcast("run:1", Progress(payload=60))
        await ws.send_json({"topic": "run:1", "action": "cancel"})
        frame = await ws.receive_json()  # the publish after leaving was dropped
        assert frame["payload"] == {
            "reason": "not_subscribed",
            "detail": "Not subscribed to 'run:1'",
        }


async def test_refusals_carry_the_documented_reasons(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "chanx.topic")
    async with WebsocketHarness(Hub) as ws:
        cases = [
            ("nope:1", "subscribe", TopicErrorReason.UNKNOWN_TOPIC, "Unknown topic 'nope:1'"),
            ("run:secret", "subscribe", "unauthorized", "Not allowed to subscribe to 'run:secret'"),
            ("run:2", "cancel", "not_subscribed", "Not subscribed to 'run:2'"),
        ]
        for topic, action, reason, detail in cases:
            await ws.send_json({"topic": topic, "ref": "r", "action": action})
            assert await ws.receive_json() == {
                "action": "error", "payload": {"reason": reason, "detail": detail},
                "version": 1, "topic": topic, "ref": "r",
            }  # fmt: skip
        await ws.send_json({"topic": "run:2", "action": "unsubscribe"})  # never subscribed
        assert (await ws.receive_json())["action"] == "unsubscribed"
    assert "unauthorized" in caplog.text


async def test_topic_limit_per_connection() -> None:
    async with WebsocketHarness(Hub) as ws:
        for i in range(3):
            await ws.send_json({"topic": f"doc:{i}:s", "action": "subscribe"})
            assert (await ws.receive_json())["action"] == "subscribed"
        await ws.send_json({"topic": "doc:9:s", "ref": "x", "action": "subscribe"})
        frame = await ws.receive_json()
        assert frame["payload"]["reason"] == "too_many_topics"
        assert frame["topic"] == "doc:9:s"
        assert frame["ref"] == "x"
        await ws.send_json({"topic": "doc:0:s", "action": "unsubscribe"})
        await ws.receive_json()
        await ws.send_json({"topic": "doc:9:s", "action": "subscribe"})
        assert (await ws.receive_json())["action"] == "subscribed"


async def test_bad_topic_frames_get_errors_and_the_connection_stays(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(Hub) as ws:
        await ws.send_json({"topic": 5, "action": "subscribe"})
        frame = await ws.receive_json()
        assert frame["action"] == "error"
        assert frame["payload"][0]["loc"] == ["topic"]
        await ws.send_json({"topic": "doc:1:s", "action": "subscribe"})
        await ws.receive_json()
        await ws.send_json({"topic": "doc:1:s", "ref": "v", "action": "nope"})
        frame = await ws.receive_json()
        assert frame["action"] == "error"
        assert frame["topic"] == "doc:1:s"
        assert frame["ref"] == "v"
        assert frame["payload"][0]["type"] == "union_tag_invalid"
        await ws.send_json({"action": "say", "payload": "still here"})
        assert (await ws.receive_json())["payload"] == "still here"


async def test_on_unsubscribe_runs_on_disconnect_and_groups_are_left(
    layer: InMemoryChannelLayer,
) -> None:
    ws = WebsocketHarness(Hub)
    await ws.connect()
    await ws.send_json({"topic": "run:3", "action": "subscribe"})
    await ws.receive_json()
    await ws.receive_json()
    assert layer.group_members("RunTopic.run-3")
    await ws.disconnect()
    assert RunTopic.seen == ["sub:run:3", "unsub:run:3"]
    assert not layer.group_members("RunTopic.run-3")


async def test_topic_handler_failure_is_an_error_frame() -> None:
    class Boom(Topic[Any]):
        pattern = "boom:{x}"

        @ws_handler
        async def cancel(self, message: Cancel) -> None:
            raise RuntimeError("secret detail")

    class BoomHub(LayerConsumer):
        topics = [Boom]

    async with WebsocketHarness(BoomHub) as ws:
        await ws.send_json({"topic": "boom:1", "action": "subscribe"})
        await ws.receive_json()
        await ws.send_json({"topic": "boom:1", "ref": "q", "action": "cancel"})
        assert await ws.receive_json() == {
            "action": "error", "payload": {"detail": "Failed to process message for cancel"},
            "version": 1, "topic": "boom:1", "ref": "q",
        }  # fmt: skip


async def test_default_topic_on_a_dedicated_route() -> None:
    Dedicated = RunTopic.as_consumer(base=LayerConsumer)
    assert Dedicated.__name__ == "RunConsumer"
    async with WebsocketHarness(Dedicated, path_params={"run_id": "8"}) as ws:
        assert await ws.receive_json() == {
            "action": "subscribed", "payload": None, "version": 1, "topic": "run:8",
        }  # fmt: skip
        assert (await ws.receive_json())["action"] == "said"
        await ws.send_json({"action": "cancel", "ref": "z"})
        assert await ws.receive_json() == {
            "action": "cancelled", "payload": "run 8", "version": 1, "topic": "run:8", "ref": "z",
        }  # fmt: skip
        await ws.send_json({"action": "unsubscribe"})
        assert (await ws.receive_json())["action"] == "unsubscribed"
        await ws.send_json({"action": "cancel"})
        assert (await ws.receive_json())["payload"]["reason"] == "not_subscribed"


async def test_default_topic_missing_url_parameter_is_named() -> None:
    Dedicated = RunTopic.as_consumer(base=LayerConsumer)
    ws = WebsocketHarness(Dedicated, path_params={"other": "1"})
    with pytest.raises(ValueError, match=r"needs URL parameters \['run_id'\]"):
        await ws.connect()


async def test_camelizing_host_camelizes_topic_frames() -> None:
    class Detail(BaseMessage):
        action: Literal["detail"] = "detail"
        payload: dict[str, int]

    class Camel(Topic[Any]):
        pattern = "c:{x}"

        @ws_handler
        async def detail(self, message: Detail) -> Detail:
            return message

    class CamelHub(LayerConsumer):
        camelize = True
        topics = [Camel]

    async with WebsocketHarness(CamelHub) as ws:
        await ws.send_json({"topic": "c:1", "action": "subscribe"})
        await ws.receive_json()
        await ws.send_json({"topic": "c:1", "action": "detail", "payload": {"a": 1}})
        assert (await ws.receive_json())["payload"] == {"a": 1}


async def test_capture_topic_broadcasts_records_instead_of_sending() -> None:
    from chanx.core.testing import capture_topic_broadcasts

    async with WebsocketHarness(Hub) as ws:
        await ws.send_json({"topic": "run:5", "action": "subscribe"})
        await ws.receive_json()
        await ws.receive_json()
        with capture_topic_broadcasts(RunTopic) as seen:
            await RunTopic.broadcast("run:5", Progress(payload=1), seq=9)
        assert [(c.topic, c.event, c.seq) for c in seen] == [("run:5", Progress(payload=1), 9)]
        assert await ws.receive_nothing()  # suppressed
        with capture_topic_broadcasts(RunTopic, suppress=False) as seen:
            await RunTopic.broadcast("run:5", Progress(payload=2))
        assert len(seen) == 1
        assert (await ws.receive_json())["payload"] == 2
        assert "broadcast" not in vars(RunTopic)  # restored


async def test_harness_topic_helpers_read_topic_frames() -> None:
    async with WebsocketHarness(Hub) as ws:
        reply = await ws.subscribe("run:6", ref="r1")
        assert reply["action"] == "subscribed"
        assert reply["ref"] == "r1"
        assert await ws.receive_topic_message(RunTopic) == Said(payload="welcome 6")
        await RunTopic.broadcast("run:6", Progress(payload=3), seq=1)
        assert await ws.receive_topic_message(RunTopic) == ProgressShown(payload=3)
        assert (await ws.unsubscribe("run:6"))["action"] == "unsubscribed"
