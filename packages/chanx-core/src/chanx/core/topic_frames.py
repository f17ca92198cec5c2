"""Frames of one topic subscription: stamping, replies, and running the topic's handlers.

Every frame written for a topic carries ``"version": 1`` and ``"topic"`` after the message's
own fields, plus the ``ref`` of the client frame it answers (never on pushes) and the ``seq``
of the publish it comes from (pushes only). Texts are spliced, never re-encoded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from chanx.core.envelope import ENVELOPE_VERSION, Ref, TopicErrorReason, current_ref
from chanx.core.errors import detail_frame, error_frame, schema_names, validation_error_entries
from chanx.core.telemetry import observe_frame

if TYPE_CHECKING:
    from chanx.core.registry import Registry, Route
    from chanx.core.topic import Topic

__all__ = [
    "current_seq",
    "reply_frame",
    "run_event",
    "run_frame",
    "stamp",
    "topic_error_frame",
]

logger = logging.getLogger("chanx.topic")

#: ``seq`` of the topic publish being handled; frames sent meanwhile carry it.
current_seq: ContextVar[int | None] = ContextVar("chanx_topic_seq", default=None)

_COMPLETE = '{"action":"complete","payload":null}'
_EVENT_COMPLETE = '{"action":"event_complete","payload":null}'
_NO_HANDLERS = detail_frame("Failed to process message")


def stamp(text: str, topic: str, ref: Ref | None = None, seq: int | None = None) -> str:
    """Add the envelope keys after the fields of serialized JSON object ``text``."""
    extra = f',"version":{ENVELOPE_VERSION},"topic":{json.dumps(topic)}'
    if ref is not None:
        extra += f',"ref":{json.dumps(ref)}'
    if seq is not None:
        extra += f',"seq":{int(seq)}'
    return text[:-1] + extra + "}"


def reply_frame(action: str, payload: Any = None) -> str:
    """``{"action": action, "payload": payload}`` serialized."""
    return to_json({"action": action, "payload": payload}).decode()


def topic_error_frame(reason: TopicErrorReason, topic: str) -> str:
    """The error frame of a refused topic frame (the ``detail`` texts are the documented ones)."""
    detail = {
        TopicErrorReason.UNKNOWN_TOPIC: "Unknown topic '{}'",
        TopicErrorReason.UNAUTHORIZED: "Not allowed to subscribe to '{}'",
        TopicErrorReason.NOT_SUBSCRIBED: "Not subscribed to '{}'",
        TopicErrorReason.TOO_MANY_TOPICS: "Too many topics on this connection to subscribe to '{}'",
    }[reason].format(topic[:200])
    return reply_frame("error", {"reason": reason.value, "detail": detail})


async def run_frame(topic: Topic[Any], data: dict[str, Any], ref: Ref | None) -> None:
    """Validate a client frame (envelope keys removed) for ``topic`` and run its handler."""
    host = topic.consumer
    name = topic.topic
    registry = type(topic).get_registry(bool(host.camelize))
    if type(topic)._screens_frames and not await _allowed(topic, data, registry, ref):
        return
    incoming = registry.incoming
    if incoming is None:
        await host.send_text(stamp(_NO_HANDLERS, name, ref))
        return
    try:
        message = incoming.validate_python(data)
    except ValidationError as exc:
        known = schema_names(tuple(registry.ws_by_type))
        entries = validation_error_entries(exc, registry.discriminator_field, known)
        await host.send_text(stamp(error_frame(entries), name, ref))
    else:
        route = registry.ws_by_type[type(message)]
        token = current_ref.set(ref)
        try:
            obs = host._chanx_telemetry  # one attribute test when telemetry is off
            if obs is None:
                text = await _call(topic, route, message)
            else:
                call = _call(topic, route, message)
                text = await observe_frame(obs, host, route, ref, call, topic=name)
        finally:
            current_ref.reset(token)
        if text is not None:
            await host.send_text(stamp(text, name, ref))
    if type(topic).send_completion:
        await host.send_text(stamp(_COMPLETE, name, ref))


async def _call(topic: Topic[Any], route: Route, message: BaseModel) -> str | None:
    """Run a topic ``@ws_handler``: the text to answer with (its result or the failure frame)."""
    host = topic.consumer
    try:
        if host.handler_timeout is None:
            result = await route.func(topic, message)
        else:
            async with asyncio.timeout(host.handler_timeout):
                result = await route.func(topic, message)
        return _result_text(topic, route.name, result)
    except Exception:
        logger.exception("topic handler %s.%s failed", type(topic).__qualname__, route.name)
        return route.failure


async def _allowed(
    topic: Topic[Any], data: dict[str, Any], registry: Registry, ref: Ref | None
) -> bool:
    action = data.get(registry.discriminator_field)
    token = current_ref.set(ref)
    try:
        return await topic.allow_frame(action if isinstance(action, str) else None)
    finally:
        current_ref.reset(token)


def _result_text(topic: Topic[Any], handler: str, result: Any) -> str | None:
    if result is None:
        return None
    if not isinstance(result, BaseModel):
        raise TypeError(
            f"{type(topic).__qualname__}.{handler} returned {type(result).__name__}; a handler "
            "returns a message or None"
        )
    return topic.consumer.encode_message(result)


async def run_event(topic: Topic[Any], data: Any, seq: int | None, text: Any = None) -> None:
    """Run the topic's ``@event_handler`` for a published event and push its output.

    ``text`` is the ready frame of a passthrough event (serialized and stamped once by the
    publisher): sent as is, unless this connection camelizes.
    """
    host = topic.consumer
    if type(text) is str and not host.camelize:
        await host.send_text(text)
        if type(topic).send_completion:
            await host.send_text(stamp(_EVENT_COMPLETE, topic.topic, None, seq))
        return
    registry = type(topic).get_registry(bool(host.camelize))
    key = None
    if isinstance(data, dict):
        key = data.get(registry.discriminator_field) or data.get("handler")
    route = registry.event_by_key.get(key) if isinstance(key, str) else None
    if route is None:
        logger.debug("%s ignores event %r", type(topic).__qualname__, key)
        return
    try:
        event = route.input_type.model_validate(data)
    except ValidationError:
        logger.error("invalid %r event for %s", key, type(topic).__qualname__)
        return
    ref_token = current_ref.set(None)
    seq_token = current_seq.set(seq)
    try:
        text = _result_text(topic, route.name, await route.func(topic, event))
        if text is not None:
            await host.send_text(stamp(text, topic.topic, None, seq))
    except Exception:
        logger.exception("topic event handler %s.%s failed", type(topic).__qualname__, route.name)
    finally:
        current_seq.reset(seq_token)
        current_ref.reset(ref_token)
    if type(topic).send_completion:
        await host.send_text(stamp(_EVENT_COMPLETE, topic.topic, None, seq))
