"""Base classes of every message and event.

A message is a Pydantic model whose discriminator field (``action`` by default) is annotated
with a ``Literal``: the literal is what routes a frame to its handler. The check runs when the
class is defined, so a message that could never be routed fails at import time, not at the
first frame.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict

__all__ = ["BaseChannelEvent", "BaseMessage", "discriminator_values"]


def discriminator_values(model: type[BaseModel], field: str) -> tuple[str, ...]:
    """The literal values a model declares for its discriminator ``field``.

    Returns an empty tuple when the field is missing or not annotated with ``Literal``.
    """
    info = model.model_fields.get(field)
    if info is None or get_origin(info.annotation) is not Literal:
        return ()
    return tuple(str(v) for v in get_args(info.annotation))


class _Discriminated(BaseModel):
    """Shared check: a concrete subclass must annotate its discriminator with ``Literal``."""

    model_config = ConfigDict(extra="ignore")

    #: Name of the field that routes this model. Subclasses of the two public bases inherit it.
    __discriminator__: ClassVar[str] = "action"
    #: True on classes that only share fields and are never routed themselves.
    __abstract__: ClassVar[bool] = True

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # ``__abstract__`` is read from the class's own namespace: abstractness is not inherited.
        # Listing ``abc.ABC`` directly among the bases says the same (chanx 2.x's spelling).
        if cls.__dict__.get("__abstract__", False) or abc.ABC in cls.__bases__:
            return
        cls.__abstract__ = False
        field = cls.__discriminator__
        if not discriminator_values(cls, field):
            raise TypeError(
                f"{cls.__qualname__} must annotate its discriminator field {field!r} with a "
                f'Literal, e.g. `{field}: Literal["my_{field}"] = "my_{field}"`; '
                f"set `__abstract__ = True` on a base class that is never routed itself"
            )


class BaseMessage(_Discriminated):
    """Base of every WebSocket message: an ``action`` discriminator plus a ``payload``.

    Subclasses declare ``action: Literal["name"] = "name"`` and a typed ``payload``. A subclass
    that only shares fields with others may set ``__abstract__ = True`` (or list ``abc.ABC``
    among its bases) to skip the check.
    """

    __abstract__: ClassVar[bool] = True

    action: Any
    payload: Any = None


class BaseChannelEvent(_Discriminated):
    """Base of server-side events discriminated by ``handler`` instead of ``action``.

    Events are sent through the channel layer with ``send_event`` / ``broadcast_event`` and
    routed to the consumer's ``@event_handler`` whose input type they are.
    """

    __discriminator__: ClassVar[str] = "handler"
    __abstract__: ClassVar[bool] = True

    handler: Any
    payload: Any = None
