"""The topic protocol on a consumer: ``topics``, ``default_topic``, subscribe and unsubscribe.

Client frames with a ``topic`` key are routed here before the consumer's own handlers; a frame
without one costs the consumer one substring test (and nothing at all on a consumer without
topics). Per frame:

* ``subscribe``: the first class of ``topics`` whose pattern matches, then the connection's
  ``max_topics`` limit, then ``authorize(**params)``; then the group is joined, ``subscribed``
  is sent (with the recovery outcome on topics with ``recovery``), missed publishes are
  replayed, and ``on_subscribe()`` runs. A repeat subscribe only confirms again.
* ``unsubscribe``: ``on_unsubscribe()``, leave the group, ``unsubscribed`` (also for a topic
  never subscribed).
* anything else on a subscribed topic: that topic's ``@ws_handler``.

Replies carry ``"version": 1``, the topic and the request's ``ref``. Publishes arrive as
``handle_topic_event`` layer messages and run the topic's ``@event_handler``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError

from chanx.core.connection import ConnectionState
from chanx.core.envelope import ENVELOPE_FIELDS, Envelope, Ref, TopicErrorReason, current_ref
from chanx.core.errors import error_frame, failure_frame, validation_error_entries
from chanx.core.sending import Sending
from chanx.core.topic import Topic
from chanx.core.topic_binding import BINDINGS
from chanx.core.topic_frames import (
    reply_frame,
    run_event,
    run_frame,
    stamp,
    topic_error_frame,
)
from chanx.core.topic_recovery import Subscription, catch_up, deliver
from chanx.messages.topic import SubscribePayload

if TYPE_CHECKING:
    from chanx.core.types import ASGIReceive, ASGISend, LayerMessage, Scope

__all__ = ["TopicHost", "TopicRouter"]

logger = logging.getLogger("chanx.topic")

_STOPPED = ConnectionState.STOPPED
#: Hooks of connections that ended abruptly, kept referenced until they finish.
_ending: set[asyncio.Future[None]] = set()


class TopicRouter:
    """The topics of one consumer class, compiled at class creation."""

    def __init__(self, topics: tuple[type[Topic[Any]], ...], default: type[Topic[Any]] | None):
        self.topics = topics
        self.default = default

    def claims(self, text: str) -> bool:
        """Whether a frame may be for a topic (cheap; :meth:`route` decides)."""
        return self.default is not None or '"topic"' in text

    def match(self, topic: str) -> tuple[type[Topic[Any]], dict[str, str]] | None:
        """The first topic class whose pattern matches ``topic``, with its parameters."""
        for cls in self.topics:
            params = cls.parse(topic)
            if params is not None:
                return cls, params
        return None

    async def route(self, host: TopicHost, text: str) -> bool:
        """Handle a topic frame; False when it is none (the consumer handles it as usual)."""
        try:
            data = json.loads(text)
        except ValueError:
            return False
        if not isinstance(data, dict):
            return False
        default = host.default_topic_name
        if data.get("topic") is None and default is None:
            return False
        try:
            envelope = Envelope.model_validate(data)
        except ValidationError as exc:
            await host.send_text(error_frame(validation_error_entries(exc, "topic")))
            return True
        topic = envelope.topic if envelope.topic is not None else default
        assert topic is not None
        ref = envelope.ref
        action = data.get("action")
        if action == "subscribe":
            await host.subscribe_topic(topic, ref=ref, payload=data.get("payload"))
        elif action == "unsubscribe":
            await host.unsubscribe_topic(topic, ref=ref)
        else:
            sub = host.topic_subscriptions.get(topic)
            if sub is None:
                await host.send_text(
                    stamp(topic_error_frame(TopicErrorReason.NOT_SUBSCRIBED, topic), topic, ref)
                )
                return True
            body = {k: v for k, v in data.items() if k not in ENVELOPE_FIELDS}
            await run_frame(sub.topic, body, ref)
        return True


class TopicHost(Sending):
    """Topic subscriptions of a connection; part of every chanx consumer."""

    #: Compiled from ``topics``/``default_topic`` per class; None without topics.
    _topic_router: ClassVar[TopicRouter | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_channel_layer" in vars(cls) and cls.__module__.startswith("chanx."):
            BINDINGS.append(cls)  # a binding's consumer base: Topic.as_consumer() builds on it
        topics = list(cls.topics or ())
        default = cls.default_topic
        if default is not None and default not in topics:
            topics.insert(0, default)
        for item in topics:
            if not (isinstance(item, type) and issubclass(item, Topic)) or item.pattern is None:
                raise TypeError(
                    f"{cls.__qualname__}.topics: {item!r} is not a Topic subclass with a "
                    'pattern; list Topic classes that set `pattern = "name:{param}"`'
                )
            if cls not in item._hosts:
                item._hosts.append(cls)
        cls._topic_router = TopicRouter(tuple(topics), default) if topics else None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._topic_subs: dict[str, Subscription] = {}
        self._default_topic: str | None = None

    @property
    def topic_subscriptions(self) -> Mapping[str, Subscription]:
        """This connection's subscriptions, by topic string (read-only view)."""
        return self._topic_subs

    @property
    def default_topic_name(self) -> str | None:
        """The topic string ``default_topic`` was subscribed as, once connected."""
        return self._default_topic

    # -- lifecycle -----------------------------------------------------------------------
    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """Connect as usual, then subscribe ``default_topic`` with the route's URL parameters."""
        default = self.default_topic
        name = None
        if default is not None:
            params = self.url_params
            missing = [p for p in default.param_names if p not in params]
            if missing:
                raise ValueError(
                    f"default_topic pattern {default.pattern!r} needs URL parameters {missing} "
                    f"that this route does not provide (got {sorted(params)})"
                )
            assert default.pattern is not None
            name = default.pattern.format(**{p: params[p] for p in default.param_names})
            self._default_topic = name
        await super().websocket_connect(message)
        if name is not None and self.state is ConnectionState.OPEN:
            await self.subscribe_topic(name, ref=None)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Run every subscription's ``on_unsubscribe``, then end the connection as usual."""
        await self._end_subscriptions()
        await super().websocket_disconnect(message)

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # The connection may end without a disconnect message (the task was cancelled,
            # the transport failed): the hooks still run, once. Shielded, so a second
            # cancellation of this task cannot cut them short.
            if self._topic_subs:
                ending = asyncio.ensure_future(self._end_subscriptions())
                _ending.add(ending)
                ending.add_done_callback(_ending.discard)
                await asyncio.shield(ending)

    async def _end_subscriptions(self) -> None:
        subs = list(self._topic_subs.values())
        self._topic_subs.clear()  # first: every hook runs exactly once, whoever ends it
        for sub in subs:
            await _on_unsubscribe(sub)

    # -- subscribe / unsubscribe -----------------------------------------------------------
    async def subscribe_topic(
        self, topic: str, *, ref: Ref | None = None, payload: Any = None
    ) -> None:
        """Subscribe this connection to ``topic`` as if its client asked (replies included)."""
        router = self._topic_router
        existing = self._topic_subs.get(topic)
        if existing is not None:
            await self._send_subscribed(existing, ref)
            return
        matched = router.match(topic) if router is not None else None
        if matched is None:
            await self._topic_error(TopicErrorReason.UNKNOWN_TOPIC, topic, ref)
            return
        if len(self._topic_subs) >= self.max_topics:
            await self._topic_error(TopicErrorReason.TOO_MANY_TOPICS, topic, ref)
            return
        cls, params = matched
        after: int | None = None
        epoch: str | None = None
        if cls.recovery and payload is not None:
            try:
                position = SubscribePayload.model_validate(payload)
            except ValidationError as exc:
                entries = validation_error_entries(exc, "action", frozenset({"seq", "epoch"}))
                await self.send_text(stamp(error_frame(entries), topic, ref))
                return
            after, epoch = position.seq, position.epoch
        instance = cls(self, topic, params)
        try:
            allowed = await instance.authorize(**params)
        except Exception:
            logger.exception("%s.authorize failed for %r", cls.__qualname__, topic)
            allowed = False
        if not allowed:
            await self._topic_error(TopicErrorReason.UNAUTHORIZED, topic, ref)
            return
        sub = Subscription(
            instance,
            cls.group_name(topic),
            live=not cls.recovery,
            forwards_text=cls._forwards_text and not self.camelize,
        )
        self._topic_subs[topic] = sub  # before the join: publishes from now on are held
        try:
            await self.join_group(sub.group)
        except Exception:
            logger.exception("could not join the group of topic %r", topic)
            self._topic_subs.pop(topic, None)
            await self.send_text(stamp(failure_frame("subscribe"), topic, ref))
            return
        if self.state is _STOPPED:
            self._topic_subs.pop(topic, None)
            return
        if cls.recovery:
            await catch_up(sub, after, epoch, ref)
        else:
            await self._send_subscribed(sub, ref)
        token = current_ref.set(None)
        try:
            await instance.on_subscribe()
        except Exception:
            logger.exception("%s.on_subscribe failed for %r", cls.__qualname__, topic)
        finally:
            current_ref.reset(token)

    async def unsubscribe_topic(self, topic: str, *, ref: Ref | None = None) -> None:
        """Unsubscribe ``topic`` (``on_unsubscribe``, leave its group) and confirm it."""
        sub = self._topic_subs.pop(topic, None)
        if sub is not None:
            await _on_unsubscribe(sub)
            try:
                await self.leave_group(sub.group)
            except Exception:
                logger.warning("could not leave the group of topic %r", topic, exc_info=True)
        await self.send_text(stamp(reply_frame("unsubscribed"), topic, ref))

    async def _send_subscribed(self, sub: Subscription, ref: Ref | None) -> None:
        payload = None
        if type(sub.topic).recovery:
            # a repeat subscribe: this connection already receives every publish
            payload = {"recovered": True, "epoch": sub.epoch or "", "seq": sub.seq}
        await self.send_text(stamp(reply_frame("subscribed", payload), sub.topic.topic, ref))

    async def _topic_error(self, reason: TopicErrorReason, topic: str, ref: Ref | None) -> None:
        logger.warning("topic frame refused (%s) for %r", reason.value, topic[:200])
        await self.send_text(stamp(topic_error_frame(reason, topic), topic, ref))

    # -- publishes -----------------------------------------------------------------------
    async def handle_topic_event(self, message: LayerMessage) -> None:
        """Layer handler of topic publishes (``{"type": "handle_topic_event", ...}``)."""
        topic = message.get("topic")
        sub = self._topic_subs.get(topic) if isinstance(topic, str) else None
        if sub is None:
            return  # a topic this connection left: dropped
        seq = message.get("seq")
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        await self._topic_publish(sub, message, seq, None)

    async def chanx_broadcast(self, message: LayerMessage) -> None:
        """Forward a broadcast's text; a topic's only while subscribed to it."""
        topic = message.get("topic")
        if topic is None:
            await super().chanx_broadcast(message)
            return
        sub = self._topic_subs.get(topic) if isinstance(topic, str) else None
        if sub is None:
            return  # a topic this connection left: dropped
        if sub.forwards_text:
            await self.send_text(message["text"])  # the hot path: as plain broadcasts do
        else:
            seq = message.get("seq")
            seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
            await self._topic_publish(sub, message, seq, message.get("text"))

    async def _topic_publish(
        self, sub: Subscription, message: LayerMessage, seq: int | None, text: Any
    ) -> None:
        if type(sub.topic).recovery:
            await deliver(sub, message.get("event_data"), seq, message.get("epoch"), text)
        else:
            await run_event(sub.topic, message.get("event_data"), seq, text)


async def _on_unsubscribe(sub: Subscription) -> None:
    token = current_ref.set(None)
    try:
        await sub.topic.on_unsubscribe()
    except Exception:
        logger.exception("%s.on_unsubscribe failed", type(sub.topic).__qualname__)
    finally:
        current_ref.reset(token)
