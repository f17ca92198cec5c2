"""chanx 2.x's documented names for the core consumer and its event type parameter.

``ChanxWebsocketConsumerMixin`` is :class:`chanx.core.consumer.ChanxConsumer` (the framework-free
consumer every binding builds on) and ``ReceiveEvent`` is its event type parameter, so code
written as ``class Base(AsyncJsonWebsocketConsumer[ReceiveEvent])`` keeps working.
"""

from __future__ import annotations

from pydantic import BaseModel
from typing_extensions import TypeVar

from chanx.core.consumer import ChanxConsumer

__all__ = ["ChanxWebsocketConsumerMixin", "ReceiveEvent"]

#: The framework-free consumer (the name chanx 2.x documents).
ChanxWebsocketConsumerMixin = ChanxConsumer
#: Type parameter of the events a consumer receives, for generic base consumers
#: (``bound=BaseModel``, default ``BaseModel``, like :data:`chanx.core.consumer.EventT`).
ReceiveEvent = TypeVar("ReceiveEvent", bound=BaseModel, default=BaseModel)
