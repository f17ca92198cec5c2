"""The messages a consumer may send, as one validator: its routing table's ``outgoing``.

Tests read a consumer's frames back as typed messages: every handler's output type, every
passthrough event, ``emits`` and chanx's standard frames (the authentication frame excepted:
tests read it with their own helper). :attr:`chanx.core.registry.Registry.outgoing` builds
it once per routing table, so a table rebuilt by project settings gets a fresh one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter

from chanx.core.consumer import ChanxConsumer

__all__ = ["consumer_camelizes", "outgoing_adapter", "outgoing_models"]


def _consumer(consumer: Any) -> type[ChanxConsumer[Any]]:
    if isinstance(consumer, type) and issubclass(consumer, ChanxConsumer):
        return consumer
    raise TypeError(f"{consumer!r} is not a chanx consumer class")


def consumer_camelizes(consumer: type[Any]) -> bool:
    """Whether ``consumer`` speaks camelCase (its ``camelize`` after project settings)."""
    return bool(_consumer(consumer).get_registry().camelize)


def outgoing_models(consumer: type[Any]) -> list[type[BaseModel]]:
    """Every message model ``consumer`` may send: outputs, passthrough events, standard frames."""
    return list(_consumer(consumer).get_registry().output_types)


def outgoing_adapter(consumer: type[Any], action_key: str = "action") -> TypeAdapter[Any]:
    """A validator of the frames ``consumer`` sends (``action_key``: kept for the 2.x API).

    The consumer's own ``discriminator_field`` tags the frames.
    """
    return _consumer(consumer).get_registry().outgoing
