"""The mixins on topics: presence, typing indicators and rate limits per topic subscription.

On a consumer a room is the connection's URL; on a topic every topic string is a room, so one
socket multiplexing ``room:5`` and ``room:6`` is present, types and is rate limited in each
separately. List the mixins before :class:`~chanx.core.topic.Topic`::

    class RoomTopic(TopicPresenceMixin, TopicTypingMixin, TopicRateLimitMixin, Topic[Chat]):
        pattern = "room:{room_id}"

Subscribing joins the room's presence (the subscriber gets ``presence_state``, the other
subscribers a ``presence_diff``), unsubscribing, closing or losing the connection leaves it
(after ``presence_grace``). The semantics, settings and stores are the consumer mixins' own;
the frames carry the topic envelope (``topic``, ``version``) and are pushes outside the
topic's numbered stream: recovery never replays presence or typing frames.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from chanx.core.decorators import ws_handler
from chanx.core.layer_messages import broadcast_envelope
from chanx.core.telemetry import observed, report_rate_limited
from chanx.core.topic import Topic, TopicEventT
from chanx.core.topic_frames import stamp
from chanx.mixins._presence_tracker import PresenceTracker
from chanx.mixins._settings import check_settings
from chanx.mixins._typing_tracker import TypingTracker
from chanx.mixins.messages import (
    PresenceDiffMessage,
    PresenceListMessage,
    PresenceStateMessage,
    PresenceStatePayload,
    RateLimitErrorMessage,
    TypingStartMessage,
    TypingStopMessage,
    TypingUsersMessage,
)
from chanx.mixins.presence import check_presence_settings, presence_state
from chanx.mixins.rate_limit import check_rate_limit_settings, rate_limit_error, spend_tokens
from chanx.mixins.room import DEFAULT_STORE, RoomMixin, user_key
from chanx.mixins.stores.base import BucketSpec, MixinStore, StoreUnavailable
from chanx.mixins.stores.memory import MemoryStore
from chanx.mixins.typing_indicator import check_typing_settings, typing_unavailable

__all__ = ["TopicPresenceMixin", "TopicRateLimitMixin", "TopicRoomMixin", "TopicTypingMixin"]

logger = logging.getLogger("chanx.mixins.topics")

#: Topic strings longer than this are hashed in store keys (keys stay bounded).
_MAX_KEY_TOPIC = 200


class TopicRoomMixin(Topic[TopicEventT]):
    """Base of the topic mixins: the store, the room (the topic string) and the user."""

    #: Where shared state lives; a :class:`~chanx.mixins.stores.RedisStore` spans processes.
    mixin_store: ClassVar[MixinStore] = DEFAULT_STORE
    #: Prefix of this topic's rooms in the store; default ``module.QualName``.
    mixin_namespace: ClassVar[str | None] = None

    _mixin_conn: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_settings(
            cls,
            {
                "mixin_store": (
                    lambda v: isinstance(v, MixinStore),
                    "a MixinStore (MemoryStore() or RedisStore(...))",
                ),
                "mixin_namespace": (lambda v: v is None or isinstance(v, str), "a str or None"),
            },
        )

    @classmethod
    def mixin_scope(cls) -> str:
        """``mixin_namespace``, or the class's module and qualified name."""
        return cls.mixin_namespace or f"{cls.__module__}.{cls.__qualname__}"

    @classmethod
    def namespaced_room(cls, topic: str) -> str:
        """The store key of the room ``topic`` (a digest when the topic string is long)."""
        if len(topic) > _MAX_KEY_TOPIC:
            topic = "sha256-" + hashlib.sha256(topic.encode()).hexdigest()
        return f"{cls.mixin_scope()}/{topic}"

    @property
    def connection_key(self) -> str:
        """A random id of this subscription, safe to show to other clients."""
        if self._mixin_conn is None:
            self._mixin_conn = uuid.uuid4().hex
        return self._mixin_conn

    def get_user_key(self) -> str:
        """Who subscribes: the host's ``get_user_key()`` when it has the room mixins, else the
        user's pk/id/username (anonymous: this subscription)."""
        host = self.consumer
        if isinstance(host, RoomMixin):
            return host.get_user_key()
        user = host.user if host.user is not None else self.scope.get("user")
        return user_key(user, self.connection_key)

    async def send_to_topic(self, message: BaseModel, exclude_current: bool = True) -> None:
        """Send ``message`` (stamped with the topic) to the topic's subscribers in any process.

        Serialized once; receivers forward the text. ``exclude_current``: not to this one.
        """
        layer = self.channel_layer
        if layer is None:
            raise RuntimeError(
                f"{type(self).__qualname__}: the connection has no channel layer to reach the "
                "other subscribers of the topic; configure one"
            )
        text = stamp(self.consumer.encode_message(message), self.topic)
        exclude = self.channel_name if exclude_current else None
        await layer.group_send(type(self).group_name(self.topic), broadcast_envelope(text, exclude))


class TopicPresenceMixin(TopicRoomMixin[TopicEventT]):
    """Who is subscribed to each topic string, across processes (presence per topic)."""

    emits = [PresenceStateMessage, PresenceDiffMessage]

    #: Seconds a subscription stays listed without a heartbeat (a crashed process's entries).
    presence_ttl: ClassVar[float] = 30.0
    #: Seconds between heartbeats; default a third of ``presence_ttl``.
    presence_heartbeat: ClassVar[float | None] = None
    #: Seconds a subscription that ended keeps its user present (0: leave at once).
    presence_grace: ClassVar[float] = 0.0

    _presence: PresenceTracker | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_presence_settings(cls)

    @classmethod
    async def get_presence(cls, topic: str) -> PresenceStatePayload:
        """Present users of ``topic`` and the counts (users vs connections), from anywhere."""
        return await presence_state(cls.mixin_store, cls.namespaced_room(topic), topic)

    def get_presence_meta(self) -> dict[str, Any]:
        """Metadata of this subscription shown to the topic (JSON-serializable); override it."""
        return {}

    async def on_subscribe(self) -> None:
        """Join the topic's presence after the topic's own subscribe work."""
        await super().on_subscribe()
        tracker = self._presence = PresenceTracker(
            self.mixin_store,
            room=self.topic,
            key=self.namespaced_room(self.topic),
            conn=self.connection_key,
            user=self.get_user_key(),
            meta=self.get_presence_meta(),
            ttl=self.presence_ttl,
            interval=self.presence_heartbeat or self.presence_ttl / 3,
            grace=self.presence_grace,
            send_own=self.send_message,
            send_room=self.send_to_topic,
        )
        await tracker.start()

    async def on_unsubscribe(self) -> None:
        """Leave the topic's presence (after the grace period), then the topic's own work."""
        tracker, self._presence = self._presence, None
        if tracker is not None:
            await tracker.leave()
        await super().on_unsubscribe()

    @ws_handler(summary="Ask for the topic's presence state")
    async def handle_presence_list(self, message: PresenceListMessage) -> PresenceStateMessage:
        """Answer with the full presence state of this topic string."""
        return PresenceStateMessage(payload=await self.get_presence(self.topic))


class TopicTypingMixin(TopicRoomMixin[TopicEventT]):
    """Typing indicators per topic string: start/stop, expiry on silence, throttled."""

    emits = [TypingUsersMessage]

    #: Seconds of silence after which a typist is dropped.
    typing_timeout: ClassVar[float] = 5.0
    #: Minimum seconds between two start frames of one subscription that are processed.
    typing_throttle: ClassVar[float] = 1.0

    _typing: TypingTracker | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_typing_settings(cls)

    def _typing_tracker(self) -> TypingTracker:
        tracker = self._typing
        if tracker is None:
            tracker = self._typing = TypingTracker(
                self.mixin_store,
                room=self.topic,
                key=self.namespaced_room(self.topic),
                user=self.get_user_key(),
                timeout=self.typing_timeout,
                throttle=self.typing_throttle,
                send_others=self.send_to_topic,
            )
        return tracker

    @ws_handler(summary="The user is typing")
    async def handle_typing_start(self, message: TypingStartMessage) -> None:
        """Add the user to the topic's typists (throttled) and tell the others if that changed."""
        try:
            await self._typing_tracker().start()
        except StoreUnavailable:
            await typing_unavailable(self.consumer)  # the next start frame tries again

    @ws_handler(summary="The user stopped typing")
    async def handle_typing_stop(self, message: TypingStopMessage) -> None:
        """Remove the user from the topic's typists and tell the others if that changed."""
        try:
            await self._typing_tracker().stop()
        except StoreUnavailable:
            await typing_unavailable(self.consumer)  # the typist expires after typing_timeout

    async def on_unsubscribe(self) -> None:
        """A subscription that ends stops typing at once."""
        tracker = self._typing
        if tracker is not None and tracker.last is not None:
            try:
                await tracker.stop()
            except Exception:
                logger.warning("typing stop failed; the typist will expire", exc_info=True)
        await super().on_unsubscribe()


class TopicRateLimitMixin(TopicRoomMixin[TopicEventT]):
    """Token buckets per subscription and per user of each topic string, before validation.

    A frame for the topic that finds a bucket empty gets ``rate_limited`` error (stamped
    with the topic, echoing its ``ref``) and never reaches validation or its handler. The
    host consumer's :class:`~chanx.mixins.RateLimitMixin`, if any, still charges every frame
    of the connection (subscribe frames included) and closes floods.
    """

    emits = [RateLimitErrorMessage]

    #: Default bucket of each subscription; None: no per-subscription limit.
    rate_limit: ClassVar[BucketSpec | None] = BucketSpec(capacity=20, refill_rate=10.0)
    #: Per-action buckets of each subscription, replacing ``rate_limit`` (None: unlimited).
    rate_limit_actions: ClassVar[Mapping[str, BucketSpec | None]] = {}
    #: Default bucket of each user in each topic string; None: no per-user limit.
    user_rate_limit: ClassVar[BucketSpec | None] = None
    #: Per-action buckets of each user, replacing ``user_rate_limit`` (None: unlimited).
    user_rate_limit_actions: ClassVar[Mapping[str, BucketSpec | None]] = {}
    #: When the store fails (Redis down), let frames through (True) or reject them (False).
    rate_limit_fail_open: ClassVar[bool] = True

    _rl_local: MemoryStore | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_rate_limit_settings(cls)

    async def allow_frame(self, action: str | None) -> bool:
        """Charge the frame to its buckets; over the limit it is answered and dropped."""
        local = self._rl_local
        if local is None:
            local = self._rl_local = MemoryStore(clock=self.mixin_store.clock)
        user = f"{self.namespaced_room(self.topic)}/{self.get_user_key()}"
        retry = await spend_tokens(self, action, local, self.mixin_store, user)
        if retry <= 0:
            return await super().allow_frame(action)
        host = self.consumer
        if observed(host):
            report_rate_limited(host, action)
        await self.send_message(rate_limit_error(retry))
        return False
