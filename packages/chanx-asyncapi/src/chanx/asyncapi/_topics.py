"""Topics in the document: each mounted topic is a channel of its own at its host's address.

A consumer with ``topics`` (or a ``default_topic``, what ``Topic.as_consumer()`` builds) gives
one channel per topic class, named ``<host snake_name>_<topic snake_name>`` (a dedicated route:
the topic's ``snake_name``; ``@channel(name=...)`` on the topic wins), carrying the extension
``"x-topic": {"name", "pattern", "parameters"}``. The host keeps its own channel only when it
has ``@ws_handler``s of its own. A topic channel documents:

* ``receive`` ``subscribe`` (its ``payload`` asks for recovery from a ``seq``/``epoch``), replied
  by ``subscribed`` (``recovered``/``epoch``/``seq`` on topics with ``recovery``) or the topic
  error frame; ``receive`` ``unsubscribe``, replied by ``unsubscribed``;
* the topic's ``@ws_handler`` (receive, with replies) and ``@event_handler`` outputs and
  ``emits`` (send);
* the error frames (topic refusals and validation errors) and, with ``send_completion``, the
  completion frames (send); an unprompted ``subscribed`` when recovery lost the stream.

Every frame of a topic channel carries the topic envelope (``version``, ``topic``, ``ref`` on
answers, ``seq`` on pushes): the generator composes each of its messages with that schema.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from chanx.asyncapi._build import ChannelPlan, OperationPlan, Planner, plan_channel, unique
from chanx.core.envelope import ENVELOPE_VERSION, MAX_REF_LENGTH, MAX_TOPIC_LENGTH
from chanx.core.registry import channel_info
from chanx.messages.outgoing import CompleteMessage, ErrorMessage, EventCompleteMessage
from chanx.messages.topic import (
    SubscribedMessage,
    SubscribeMessage,
    TopicErrorMessage,
    UnsubscribedMessage,
    UnsubscribeMessage,
)

if TYPE_CHECKING:
    from chanx.asyncapi._schemas import SchemaSet
    from chanx.routing.discovery import RouteInfo

__all__ = ["TOPIC_ENVELOPE", "plan_routes", "snake_name", "topic_routes"]

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PROTOCOL = (SubscribedMessage, UnsubscribedMessage)

#: The envelope keys every topic frame carries next to the message's own fields.
TOPIC_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"description": "Envelope version.", "const": ENVELOPE_VERSION},
        "topic": {
            "description": "The concrete topic string, e.g. `room:5` for pattern `room:{id}`.",
            "type": "string",
            "maxLength": MAX_TOPIC_LENGTH,
        },
        "ref": {
            "description": "The client's correlation id: echoed on every answer to its frame, "
            "never on pushes.",
            "anyOf": [{"type": "string", "maxLength": MAX_REF_LENGTH}, {"type": "integer"}],
        },
        "seq": {
            "description": "Pushes only: the publish's position in the topic's stream. With "
            "`recovery` the server numbers publishes 1, 2, 3... per topic and epoch; a client "
            "subscribes again with the last `seq` and the `epoch` of its `subscribed` reply "
            "to get the publishes it missed. Without recovery, the producer's value if any.",
            "type": "integer",
        },
    },
    "required": ["version", "topic"],
}

_SUBSCRIBE_DOC = (
    "Subscribe to the topic. On a topic with `recovery`, `payload: {seq, epoch}` (the last "
    "`seq` received and the `epoch` of the stream it belongs to) asks for every publish "
    "after it: the `subscribed` reply says whether they follow (`recovered`), then they "
    "arrive in order before live ones, each once. A repeat subscribe only confirms again."
)
_UNSUBSCRIBE_DOC = "Stop receiving the topic (also confirmed for a topic never subscribed)."
_TOPIC_ERROR_DOC = (
    "A refused topic frame: `payload.reason` is `unknown_topic`, `unauthorized`, "
    "`not_subscribed` or `too_many_topics`."
)
_RESUBSCRIBED_DOC = (
    "Sent without a `ref` when the server cannot continue the stream the client follows (its "
    "history was lost or trimmed, or a new `epoch` began): `recovered` is false and "
    "`epoch`/`seq` say where the stream continues. Refetch state."
)
_VALIDATION_DOC = (
    "A frame for one of the topic's handlers that could not be processed (validation errors, "
    "a failing handler); never echoes the input."
)


def snake_name(name: str) -> str:
    """``MainConsumer`` -> ``main_consumer``, ``ChatRoom`` -> ``chat_room``."""
    text = _BOUNDARY.sub("_", name)
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower() or "channel"


def _topics(consumer: type[Any]) -> list[type[Any]]:
    topics = list(getattr(consumer, "topics", None) or ())
    default = getattr(consumer, "default_topic", None)
    if default is not None and default not in topics:
        topics.insert(0, default)
    return [t for t in topics if getattr(t, "pattern", None)]


def topic_routes(route: RouteInfo) -> list[RouteInfo]:
    """The route of each topic ``route``'s consumer mounts (``topic``/``host`` filled in)."""
    return [
        dataclasses.replace(route, topic=topic, host=route.consumer)
        for topic in _topics(route.consumer)
    ]


def _host_name(route: RouteInfo) -> str:
    consumer = route.consumer
    name = channel_info(consumer).name or consumer.__name__
    if name == consumer.__name__ and name.endswith("Consumer") and name != "Consumer":
        name = name.removesuffix("Consumer")
    return snake_name(name)


def plan_topic(
    route: RouteInfo, schemas: SchemaSet, taken: set[str], camelize: bool = False
) -> ChannelPlan:
    """Plan the channel of topic ``route.topic`` mounted on ``route.host``."""
    topic = route.topic
    info = channel_info(topic)
    own = snake_name(topic.__name__)
    named = info.name is not None and info.name != topic.__name__
    dedicated = getattr(route.host, "default_topic", None) is topic
    title = info.name if named else own if dedicated else f"{_host_name(route)}_{own}"
    plan = ChannelPlan(
        route, unique(str(title), taken), str(title), info.description, info.tags,
        topic={"name": own, "pattern": topic.pattern, "parameters": list(topic.param_names)},
    )  # fmt: skip
    host_camel = route.consumer.get_registry().camelize or camelize
    planner = Planner(plan, schemas, camelize, topic.get_registry(bool(host_camel)))
    ops = plan.operations

    def protocol(model: type[Any]) -> Any:
        return planner.key(model, "serialization", model.__name__, camel=False)

    subscribe = planner.key(SubscribeMessage, "validation", "SubscribeMessage", camel=False)
    unsubscribe = planner.key(UnsubscribeMessage, "validation", "UnsubscribeMessage", camel=False)
    subscribed, refused = protocol(SubscribedMessage), protocol(TopicErrorMessage)
    unsubscribed = protocol(UnsubscribedMessage)
    plan.correlated.update({subscribe, unsubscribe, subscribed, refused, unsubscribed})
    ops.append(OperationPlan(
        "receive", "subscribe", [subscribe], [subscribed, refused],
        "Subscribe to the topic", _SUBSCRIBE_DOC,
    ))  # fmt: skip
    ops.append(OperationPlan(
        "receive", "unsubscribe", [unsubscribe], [unsubscribed],
        "Unsubscribe from the topic", _UNSUBSCRIBE_DOC,
    ))  # fmt: skip
    registry = planner.registry
    for ws_route in registry.ws_routes:
        ops.extend(planner.ws(ws_route))
    ops.extend(op for r in registry.event_routes if (op := planner.event(r)) is not None)
    emitted = planner.emits(tuple(t for t in registry.emits if t not in _PROTOCOL))
    if emitted is not None:
        ops.append(emitted)
    if topic.recovery or dedicated:
        summary = "The stream continues elsewhere" if topic.recovery else "Subscribed on connect"
        doc = _RESUBSCRIBED_DOC if topic.recovery else "Sent unprompted once connected."
        ops.append(OperationPlan("send", "subscribed", [subscribed], None, summary, doc))
    ops.append(OperationPlan("send", "error", [refused], None, "Topic frame refused",
                             _TOPIC_ERROR_DOC))  # fmt: skip
    if registry.ws_routes:
        ops.append(planner.builtin(ErrorMessage, _VALIDATION_DOC, camel=False))
    if topic.send_completion:
        if registry.ws_routes:
            ops.append(planner.builtin(CompleteMessage, "After each topic frame.", camel=False))
        if registry.event_routes:
            done = "After each publish this subscriber handled."
            ops.append(planner.builtin(EventCompleteMessage, done, False, correlated=False))
    return plan


def plan_routes(
    routes: list[RouteInfo], schemas: SchemaSet, taken: set[str], camelize: bool = False
) -> list[ChannelPlan]:
    """Every route as channels: a consumer's own (if it has handlers or no topics), then its
    topics'. Routes that already name a topic (``RouteInfo.topic``) are planned as given."""
    plans: list[ChannelPlan] = []
    for route in routes:
        if route.topic is not None:
            plans.append(plan_topic(route, schemas, taken, camelize))
            continue
        mounted = topic_routes(route)
        if not mounted or route.consumer.get_registry().ws_routes:
            plans.append(plan_channel(route, schemas, taken, camelize))
        plans.extend(plan_topic(r, schemas, taken, camelize) for r in mounted)
    return plans
