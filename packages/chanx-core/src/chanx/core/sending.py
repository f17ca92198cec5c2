"""Writing to the client: one serialization per message, ``ref`` echo, broadcasts by text.

A message is serialized once (``__pydantic_serializer__.to_json``, camelCase through the
model's twin when the consumer camelizes). A broadcast ships that ready text through the
channel layer and every receiver forwards it without validating or serializing again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from chanx.core.camel import camel_model
from chanx.core.connection import Connection, ConnectionState
from chanx.core.envelope import Ref, current_ref, with_ref
from chanx.core.errors import error_frame
from chanx.core.layer_messages import broadcast_envelope
from chanx.core.outage_buffer import send_buffered

if TYPE_CHECKING:
    from chanx.core.registry import Registry
    from chanx.core.types import LayerMessage

__all__ = ["Sending", "group_list"]

logger = logging.getLogger("chanx.consumer")

_OPEN = ConnectionState.OPEN
_CONNECTING = ConnectionState.CONNECTING
_COMPLETE_GROUP = '{"action":"group_complete","payload":null}'
_UNSET: Any = object()
#: Classes already warned that they broadcast with no group to send to.
_warned_no_groups: set[type] = set()


def group_list(groups: str | Iterable[str] | None, default: Iterable[str]) -> list[str]:
    """The groups a broadcast targets: one string is one group, None is ``default``."""
    if groups is None:
        return list(default)
    if isinstance(groups, str):
        return [groups]
    return list(groups)


class Sending(Connection):
    """Serializing and sending messages to this client and to groups."""

    _chanx: ClassVar[Registry]

    def encode_message(self, message: BaseModel) -> str:
        """Serialize a message once, in camelCase when the consumer camelizes."""
        model = type(message)
        if self.camelize:
            model = camel_model(model)
        return model.__pydantic_serializer__.to_json(message).decode()

    async def send_text(self, text: str) -> None:
        """Write one ready JSON text frame; dropped once the connection closed.

        Sending while the handshake is pending (from ``connect`` or ``post_authentication``)
        accepts it first.
        """
        state = self._chanx_state
        if state is not _OPEN:  # one check on the hot path; the rare cases below
            if state is not _CONNECTING:
                return  # nothing may follow a close frame
            await self.accept()
        await self.base_send({"type": "websocket.send", "text": text})
        if self.send_message_immediately:
            await asyncio.sleep(0)

    async def send_message(
        self, message: BaseModel, *, validate: bool = False, ref: Ref | None = _UNSET
    ) -> None:
        """Send a message to this connection's client.

        It carries the ``ref`` of the client frame being handled, if any; pass ``ref`` to
        choose it explicitly (``None``: no ref). With ``validate=True`` the serialized
        message is first checked against every message this consumer declares it sends
        (handler outputs, ``emits`` and chanx's own frames); a message that is not one of them
        raises ``pydantic.ValidationError`` and nothing is sent.
        """
        if ref is _UNSET:
            ref = current_ref.get()
        text = self.encode_message(message)
        if validate:
            try:
                self._chanx.outgoing.validate_json(text)
            except ValidationError:
                logger.error(
                    "%s.send_message(validate=True): %s is not a declared output",
                    type(self).__qualname__,
                    type(message).__qualname__,
                )
                raise
        await self.send_text(with_ref(text, ref))

    async def send_error(
        self, entries: Sequence[Mapping[str, Any]], *, ref: Ref | None = _UNSET
    ) -> None:
        """Send an error frame ``{"action": "error", "payload": entries}``.

        Entries are Pydantic-style dicts (``type``, ``loc``, ``msg``; see
        :func:`chanx.core.errors.error_entry`); keep client input out of them.
        """
        if ref is _UNSET:
            ref = current_ref.get()
        await self.send_text(with_ref(error_frame([dict(e) for e in entries]), ref))

    async def broadcast_message(
        self,
        message: BaseModel | Mapping[str, Any],
        groups: str | Iterable[str] | None = None,
        exclude_current: bool = False,
    ) -> None:
        """Send a message to every connection in ``groups`` (default: this connection's groups).

        One string names one group. ``message`` is a message model or a plain JSON object
        (sent as is). It is serialized once here; receivers forward the ready text.
        """
        targets = group_list(groups, self.groups)
        if not targets:
            cls = type(self)
            if cls not in _warned_no_groups:
                _warned_no_groups.add(cls)
                logger.warning(
                    "%s.broadcast_message() has no group to send to: set `groups` on the "
                    "consumer, join one with join_group(), or pass groups=",
                    cls.__qualname__,
                )
            return
        layer = self._chanx_layer()
        exclude = self.channel_name if exclude_current else None
        text = (
            self.encode_message(message)
            if isinstance(message, BaseModel)
            else to_json(dict(message)).decode()
        )
        envelope = broadcast_envelope(text, exclude)
        obs = self._chanx_telemetry
        if obs is not None:
            obs.broadcast_sent(self, len(targets))
        for group in targets:  # buffered while the layer is unreachable (outage_buffer)
            await send_buffered(layer, "group_send", group, envelope, type(self), obs)

    async def chanx_broadcast(self, message: LayerMessage) -> None:
        """Layer handler: forward a broadcast's text to the client.

        ``message`` is a :class:`~chanx.core.layer_messages.BroadcastEnvelope`. A topic's
        broadcast (it names its ``topic``) is for that topic's subscribers: a consumer without
        topics drops it, :class:`~chanx.core.topic_host.TopicHost` forwards it to them.
        """
        if message.get("exclude") != self.channel_name and message.get("topic") is None:
            obs = self._chanx_telemetry
            if obs is not None:
                obs.broadcast_delivered(self)
            await self.send_text(message["text"])
            if self.send_completion:
                await self.send_text(_COMPLETE_GROUP)
