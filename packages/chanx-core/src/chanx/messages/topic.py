"""The frames of the topic protocol: subscribe and unsubscribe, their replies, topic errors.

Each frame also carries the envelope keys (``version``, ``topic``, ``ref``, ``seq``) next to
``action`` and ``payload``; those are not fields of these models (see
:class:`chanx.core.envelope.Envelope`).

Recovery (topics with ``recovery = True``): a client that saw a topic's frames up to ``seq``
of stream ``epoch`` subscribes again with ``{"payload": {"seq": <seq>, "epoch": <epoch>}}``;
the ``subscribed`` reply says whether every missed frame follows (``recovered``) and where the
stream is now (``epoch``, ``seq``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from chanx.messages.base import BaseMessage

__all__ = [
    "SubscribeMessage",
    "SubscribePayload",
    "SubscribedMessage",
    "SubscribedPayload",
    "TopicError",
    "TopicErrorMessage",
    "UnsubscribeMessage",
    "UnsubscribedMessage",
]


class SubscribePayload(BaseModel):
    """Where a reconnecting client stopped reading a topic with recovery."""

    #: The last ``seq`` the client received.
    seq: int = Field(ge=0)
    #: The ``epoch`` of the stream that ``seq`` belongs to.
    epoch: str = Field(max_length=64)


class SubscribeMessage(BaseMessage):
    """Client: start receiving a topic (``payload`` asks for recovery from a position)."""

    action: Literal["subscribe"] = "subscribe"
    payload: SubscribePayload | None = None


class SubscribedPayload(BaseModel):
    """Server, topics with recovery: the stream position and whether recovery was complete."""

    #: True when the subscribe carried a position and every frame after it follows.
    recovered: bool
    #: The stream's epoch; it changes when the history was lost (e.g. Redis was flushed).
    epoch: str
    #: The topic's latest ``seq`` when the subscription started.
    seq: int


class SubscribedMessage(BaseMessage):
    """Server: the subscription is active (``payload`` is null without recovery)."""

    action: Literal["subscribed"] = "subscribed"
    payload: SubscribedPayload | None = None


class UnsubscribeMessage(BaseMessage):
    """Client: stop receiving a topic."""

    action: Literal["unsubscribe"] = "unsubscribe"
    payload: None = None


class UnsubscribedMessage(BaseMessage):
    """Server: the topic is no longer received (also the answer for a topic never subscribed)."""

    action: Literal["unsubscribed"] = "unsubscribed"
    payload: None = None


class TopicError(BaseModel):
    """Why a topic frame was refused."""

    #: A :class:`chanx.core.envelope.TopicErrorReason` value.
    reason: str
    detail: str


class TopicErrorMessage(BaseMessage):
    """Server: a topic frame was refused (unknown topic, not authorized, not subscribed...)."""

    action: Literal["error"] = "error"
    payload: TopicError
