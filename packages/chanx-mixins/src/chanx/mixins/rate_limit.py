"""Rate limiting of client frames with token buckets, before validation and dispatch.

Each frame costs one token from the connection's bucket (kept in the connection) and, when
``user_rate_limit`` is set, one from the user's bucket (kept in the store, so a Redis store
shares it between every process and tab of that user). A frame finding a bucket empty is
answered with an error frame carrying ``retry_after`` and never reaches validation or its
handler. With ``rate_limit_close_after`` set, a connection collecting that many rejections
within ``rate_limit_close_window`` seconds is closed with ``rate_limit_close_code`` (4429).

Per-action buckets: the action is read from the raw text without parsing it when the frame
holds exactly one ``"<discriminator>": "<value>"`` pair and no escape sequence; any other frame
is parsed with ``json.loads`` to read its top-level discriminator, so a nested or escaped key
cannot pick a laxer bucket. Frames of unknown or missing action use the default buckets.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from chanx.core.consumer import ConsumerMixin
from chanx.core.decorators import event_handler
from chanx.core.envelope import Ref, frame_ref
from chanx.core.telemetry import observed, report_rate_limited
from chanx.mixins._settings import check_settings, positive
from chanx.mixins.messages import RateLimitErrorDetail, RateLimitErrorMessage
from chanx.mixins.room import DEFAULT_STORE
from chanx.mixins.stores.base import BucketSpec, MixinStore
from chanx.mixins.stores.memory import MemoryStore

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxConsumer

    _Base = ChanxConsumer[Any]
else:
    _Base = ConsumerMixin

__all__ = [
    "RATE_LIMIT_CLOSE_CODE",
    "RateLimitMixin",
    "RateLimits",
    "check_rate_limit_settings",
    "extract_action",
    "rate_limit_error",
    "spend_tokens",
]

logger = logging.getLogger("chanx.mixins.rate_limit")

#: Close code used when a connection keeps flooding (mirrors HTTP 429).
RATE_LIMIT_CLOSE_CODE = 4429

_PATTERNS: dict[str, re.Pattern[str]] = {}


def extract_action(text: str, field: str = "action") -> str | None:
    """The top-level ``field`` value of a JSON frame, cheaply when the frame is unambiguous."""
    pattern = _PATTERNS.get(field)
    if pattern is None:
        pattern = _PATTERNS[field] = re.compile(rf'"{re.escape(field)}"\s*:\s*"([^"\\]{{0,64}})"')
    if "\\" not in text:
        found = pattern.findall(text)
        if len(found) == 1 and text.count(f'"{field}"') == 1:
            return str(found[0])
    try:
        data = json.loads(text)
    except ValueError:
        return None
    value = data.get(field) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _bucket(value: Any) -> bool:
    return value is None or isinstance(value, BucketSpec)


def _buckets(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and _bucket(v) for k, v in value.items()
    )


_BUCKET = "a BucketSpec(capacity=..., refill_rate=...) or None"
_BUCKETS = "a mapping of action name to BucketSpec (or None: unlimited)"


def check_rate_limit_settings(cls: type) -> None:
    """Refuse mistyped store and bucket settings of ``cls`` (a consumer or a topic)."""
    check_settings(
        cls,
        {
            "mixin_store": (lambda v: isinstance(v, MixinStore), "a MixinStore"),
            "rate_limit": (_bucket, _BUCKET),
            "user_rate_limit": (_bucket, _BUCKET),
            "rate_limit_actions": (_buckets, _BUCKETS),
            "user_rate_limit_actions": (_buckets, _BUCKETS),
            "rate_limit_fail_open": (lambda v: isinstance(v, bool), "a bool"),
        },
    )


class RateLimits(Protocol):
    """The rate limit settings :func:`spend_tokens` reads (a consumer's or a topic's)."""

    @property
    def rate_limit(self) -> BucketSpec | None: ...
    @property
    def rate_limit_actions(self) -> Mapping[str, BucketSpec | None]: ...
    @property
    def user_rate_limit(self) -> BucketSpec | None: ...
    @property
    def user_rate_limit_actions(self) -> Mapping[str, BucketSpec | None]: ...
    @property
    def rate_limit_fail_open(self) -> bool: ...


async def spend_tokens(
    limits: RateLimits, action: str | None, local: MemoryStore, store: MixinStore, user: str
) -> float:
    """Charge one frame of ``action``: 0.0 if it may pass, else seconds until it could.

    The connection's buckets live in ``local``; the user's in ``store`` under ``user`` (a
    namespaced user key) followed by the action's bucket name.
    """
    conn_spec = limits.rate_limit
    if action is not None and action in limits.rate_limit_actions:
        conn_spec = limits.rate_limit_actions[action]
    user_spec = limits.user_rate_limit
    if action is not None and action in limits.user_rate_limit_actions:
        user_spec = limits.user_rate_limit_actions[action]
    if conn_spec is not None:
        suffix = action if action is not None and action in limits.rate_limit_actions else "*"
        retry = await local.take_token(suffix, conn_spec)
        if retry > 0:
            return retry
    if user_spec is not None:
        has_own = action is not None and action in limits.user_rate_limit_actions
        try:
            return await store.take_token(f"{user}/{action if has_own else '*'}", user_spec)
        except Exception:
            # The connection survives a store outage; the frame passes or waits a second.
            fail_open = limits.rate_limit_fail_open
            logger.warning(
                "rate limit store failed; frame %s", "passed" if fail_open else "rejected",
                exc_info=True,
            )  # fmt: skip
            return 0.0 if fail_open else 1.0
    return 0.0


def rate_limit_error(retry: float) -> RateLimitErrorMessage:
    """The error frame of a frame rejected for ``retry`` seconds (rounded up to the ms)."""
    detail = RateLimitErrorDetail(
        type="rate_limited",
        msg="Too many messages; wait retry_after seconds",
        retry_after=math.ceil(retry * 1000) / 1000,
    )
    return RateLimitErrorMessage(payload=[detail])


class RateLimitMixin(_Base):
    """Token-bucket rate limiting per connection and per user; configure by class attributes."""

    #: Store of the per-user buckets (shared across processes with a Redis store).
    mixin_store: ClassVar[MixinStore] = DEFAULT_STORE
    #: Default bucket of each connection; None: no per-connection limit.
    rate_limit: ClassVar[BucketSpec | None] = BucketSpec(capacity=20, refill_rate=10.0)
    #: Per-action buckets of each connection, replacing ``rate_limit`` (None: unlimited).
    rate_limit_actions: ClassVar[Mapping[str, BucketSpec | None]] = {}
    #: Default bucket of each user, shared by their connections; None: no per-user limit.
    user_rate_limit: ClassVar[BucketSpec | None] = None
    #: Per-action buckets of each user, replacing ``user_rate_limit`` (None: unlimited).
    user_rate_limit_actions: ClassVar[Mapping[str, BucketSpec | None]] = {}
    #: Close the connection after this many rejected frames within the window; None: never.
    rate_limit_close_after: ClassVar[int | None] = None
    #: Window of ``rate_limit_close_after``, in seconds.
    rate_limit_close_window: ClassVar[float] = 10.0
    #: Close code sent to a connection that keeps flooding.
    rate_limit_close_code: ClassVar[int] = RATE_LIMIT_CLOSE_CODE
    #: When the store fails (Redis down), let frames through (True) or reject them (False).
    rate_limit_fail_open: ClassVar[bool] = True

    _rl_local: MemoryStore | None = None
    _rl_strikes: collections.deque[float] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_rate_limit_settings(cls)
        check_settings(
            cls,
            {
                "rate_limit_close_after": (
                    lambda v: (
                        v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0)
                    ),
                    "a positive int or None",
                ),
                "rate_limit_close_window": (positive, "a positive number of seconds"),
                "rate_limit_close_code": (
                    lambda v: isinstance(v, int) and 4000 <= v <= 4999,
                    "an application close code (4000-4999)",
                ),
            },
        )

    def get_rate_limit_user_key(self) -> str:
        """Key of the per-user buckets; uses ``get_user_key`` when the consumer has it."""
        getter = getattr(self, "get_user_key", None)
        if getter is not None:
            return str(getter())
        user = self.user
        return f"conn-{self.channel_name}" if user is None else str(getattr(user, "pk", user))

    async def check_rate_limit(self, text_data: str | None) -> float:
        """Spend tokens for one frame: 0.0 if it may pass, else seconds until it could."""
        action = None
        per_action = self.rate_limit_actions or self.user_rate_limit_actions
        # Oversized frames are refused by the consumer anyway: never parse them here.
        if per_action and text_data and len(text_data) <= self.max_message_size:
            action = extract_action(text_data, self.discriminator_field)
        local = self._rl_local
        if local is None:
            local = self._rl_local = MemoryStore(clock=self.mixin_store.clock)
        user = f"{self.mixin_namespace_for_rate_limit()}/{self.get_rate_limit_user_key()}"
        return await spend_tokens(self, action, local, self.mixin_store, user)

    @classmethod
    def mixin_namespace_for_rate_limit(cls) -> str:
        """Prefix of the per-user bucket keys (``mixin_namespace`` or ``module.QualName``)."""
        return str(getattr(cls, "mixin_namespace", None) or f"{cls.__module__}.{cls.__qualname__}")

    @event_handler(
        action="rate_limited",
        summary="A frame over the rate limit was rejected",
        description="Sent instead of handling a frame that found its token bucket empty; "
        "retry_after says when the bucket has a token again.",
    )
    async def handle_rate_limit_error(self, event: RateLimitErrorMessage) -> RateLimitErrorMessage:
        """Documents the rate limit error frame (and forwards one sent as an event)."""
        return event

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Charge the frame to its buckets; over the limit it is answered, never dispatched."""
        retry = await self.check_rate_limit(text_data)
        if retry <= 0:
            await super().receive(text_data, bytes_data)
            return
        if observed(self):  # reading the action costs a parse: only for an observer
            report_rate_limited(self, extract_action(text_data or "", self.discriminator_field))
        await self._rate_limited(retry, frame_ref(text_data))

    async def _rate_limited(self, retry: float, ref: Ref | None) -> None:
        await self.send_message(rate_limit_error(retry), ref=ref)
        logger.debug(
            "%s rejected a frame over the rate limit on %s (retry in %.3fs)",
            type(self).__qualname__, self.scope.get("path"), retry,
        )  # fmt: skip
        limit = self.rate_limit_close_after
        if limit is None:
            return
        now = self.mixin_store.clock.time()
        strikes = self._rl_strikes
        if strikes is None:
            strikes = self._rl_strikes = collections.deque(maxlen=limit)
        strikes.append(now)
        if len(strikes) >= limit and now - strikes[0] <= self.rate_limit_close_window:
            logger.warning(
                "%s closed a connection on %s with code %s: %d frames over the rate limit "
                "within %ss", type(self).__qualname__, self.scope.get("path"),
                self.rate_limit_close_code, limit, self.rate_limit_close_window,
            )  # fmt: skip
            await self.close(code=self.rate_limit_close_code, reason="rate limit exceeded")
