"""chanx's testing vocabulary: typed messages in, validated messages out, one connection.

:class:`WebsocketCommunicatorMixin` adds message-level helpers to any communicator shaped like
Channels' ``WebsocketCommunicator`` (it only calls ``send_json_to``, ``receive_output`` and
``receive_nothing``). :class:`~chanx.core.testing.harness.WebsocketHarness` and both bindings'
``WebsocketCommunicator`` inherit it, so every chanx test speaks the same words.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from pydantic import BaseModel, TypeAdapter
from pydantic.alias_generators import to_snake

from chanx.constants import COMPLETE_ACTIONS, ENVELOPE_FIELDS, ENVELOPE_VERSION
from chanx.core.camel import camel_model, camel_type
from chanx.core.testing.outgoing import consumer_camelizes, outgoing_adapter

__all__ = ["TopicLike", "WebsocketCommunicatorMixin"]

M = TypeVar("M")


class TopicLike(Protocol):
    """What :meth:`WebsocketCommunicatorMixin.receive_topic_message` needs from a topic class."""

    @property
    def outgoing_message_adapter(self) -> TypeAdapter[Any]:
        """Validates the frames the topic sends."""
        ...


def _snake_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {to_snake(str(k)): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


class WebsocketCommunicatorMixin:
    """Message-level helpers for a communicator bound to one consumer class.

    ``consumer`` (the consumer class under test) decides whether messages go out in camelCase
    and which frames :meth:`receive_all_messages` accepts. Helpers that read several frames
    never let a receive time out: they ask ``receive_nothing`` first, so the application is
    never cancelled, even on Channels' communicator.
    """

    #: Key of a frame that names its message type.
    action_key: str = "action"
    #: The consumer class under test (``None`` when it cannot be told from the application).
    consumer: type[Any] | None = None
    #: Close code once the application closed the connection.
    close_code: int | None = None

    if TYPE_CHECKING:  # provided by the communicator this mixin is combined with

        async def send_json_to(self, data: Any) -> None: ...
        async def receive_output(self, timeout: float | None = None) -> dict[str, Any]: ...
        async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool: ...

    # -- sending -----------------------------------------------------------------------------
    def camelizes(self) -> bool:
        """Whether messages go out, and are read back, in camelCase: as the consumer does."""
        return self.consumer is not None and consumer_camelizes(self.consumer)

    async def send_message(
        self,
        message: BaseModel,
        *,
        topic: str | None = None,
        ref: str | None = None,
        by_alias: bool | None = None,
    ) -> None:
        """Send a message model as the consumer expects it.

        Args:
            message: the message to send.
            topic: address this topic (adds ``"version"`` and ``"topic"``).
            ref: correlation id the server echoes on its replies.
            by_alias: ``True`` sends camelCase, ``False`` snake_case; by default camelCase
                exactly when the consumer camelizes.
        """
        camel = self.camelizes() if by_alias is None else by_alias
        model = camel_model(type(message)) if camel else type(message)
        data: dict[str, Any] = model.__pydantic_serializer__.to_python(message, mode="json")
        if topic is not None:
            data["version"] = ENVELOPE_VERSION
            data["topic"] = topic
        if ref is not None:
            data["ref"] = ref
        await self.send_json_to(data)

    # -- receiving ---------------------------------------------------------------------------
    async def _frame_before(self, deadline: float) -> dict[str, Any] | None:
        """Next JSON frame before ``deadline`` (loop time); None at the deadline or on close."""
        if self.close_code is not None:
            return None
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        if await self.receive_nothing(remaining):
            return None
        output = await self.receive_output()
        if output["type"] == "websocket.close":
            self.close_code = output.get("code", 1000)
            return None
        text = output.get("text")
        if text is None:
            raise AssertionError(f"expected a text frame, got {output!r}")
        frame = json.loads(text)
        if not isinstance(frame, dict):
            raise AssertionError(f"expected a JSON object, got {frame!r}")
        return frame

    async def receive_all_json(
        self, timeout: float = 1, *, stop_action: str | None = None
    ) -> list[dict[str, Any]]:
        """Raw frames arriving within ``timeout`` seconds, completion frames included.

        It waits the whole ``timeout`` (it does not stop at ``complete``) unless
        ``stop_action`` is given: then it also stops after the first frame whose action it is
        (that frame included). It ends early when the application closes the connection.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        frames: list[dict[str, Any]] = []
        while (frame := await self._frame_before(deadline)) is not None:
            frames.append(frame)
            if stop_action is not None and frame.get(self.action_key) == stop_action:
                break
        return frames

    async def receive_all_messages(
        self, stop_action: str = "complete", timeout: float = 1
    ) -> list[Any]:
        """Messages up to the first frame whose action is ``stop_action``, validated.

        Reading stops at that frame, at a close, or when ``timeout`` seconds have passed in
        total (no error: the messages read so far are returned). Completion frames
        (``complete``, ``group_complete``, ``event_complete``) are left out; a custom stop
        action's frame is included. Each other frame is validated against the consumer's
        outgoing messages (its handlers' outputs and passthrough events plus chanx's standard
        frames), decamelized when the consumer camelizes; a frame the consumer does not
        declare raises Pydantic's ``ValidationError``.
        """
        if self.consumer is None:
            raise TypeError(
                "receive_all_messages() needs the consumer class: pass consumer=... to the "
                "communicator, or use receive_all_json() for raw frames"
            )
        frames = await self.receive_all_json(timeout, stop_action=stop_action)
        adapter = outgoing_adapter(self.consumer, self.action_key)
        return [
            adapter.validate_python({k: v for k, v in f.items() if k not in ENVELOPE_FIELDS})
            for f in frames
            if f.get(self.action_key) not in COMPLETE_ACTIONS
        ]

    @overload
    async def receive_message(self, model: type[M], timeout: float | None = None) -> M: ...
    @overload
    async def receive_message(self, model: Any, timeout: float | None = None) -> Any: ...
    async def receive_message(self, model: Any, timeout: float | None = None) -> Any:
        """Next frame validated as ``model`` (a model class, or any type such as a union).

        Envelope keys (``ref``, ``version``, ``topic``, ``seq``) are removed first; a
        camelCase frame is read through the model's camelCase twin.
        """
        output = await self.receive_output(timeout)
        if output["type"] == "websocket.close":
            self.close_code = output.get("code", 1000)
            raise AssertionError(f"connection closed with code {self.close_code}")
        frame = json.loads(output.get("text") or "null")
        if isinstance(frame, dict):
            frame = {k: v for k, v in frame.items() if k not in ENVELOPE_FIELDS}
        return TypeAdapter(camel_type(model) if self.camelizes() else model).validate_python(frame)

    # -- topics ------------------------------------------------------------------------------
    async def _envelope(self, action: str, topic: str, ref: str) -> dict[str, Any]:
        await self.send_json_to(
            {self.action_key: action, "version": ENVELOPE_VERSION, "topic": topic, "ref": ref}
        )
        output = await self.receive_output()
        if output["type"] == "websocket.close":
            self.close_code = output.get("code", 1000)
            raise AssertionError(f"connection closed with code {self.close_code}")
        reply: dict[str, Any] = json.loads(output.get("text") or "null")
        return reply

    async def subscribe(self, topic: str, ref: str = "1") -> dict[str, Any]:
        """Subscribe to ``topic``; returns the server's reply frame (``subscribed`` or an error)."""
        return await self._envelope("subscribe", topic, ref)

    async def unsubscribe(self, topic: str, ref: str = "1") -> dict[str, Any]:
        """Unsubscribe from ``topic``; returns the server's reply frame (``unsubscribed``)."""
        return await self._envelope("unsubscribe", topic, ref)

    async def receive_topic_message(self, topic_class: TopicLike, timeout: float = 1) -> Any:
        """Next frame, envelope keys removed, validated as one of ``topic_class``'s messages."""
        output = await self.receive_output(timeout)
        if output["type"] == "websocket.close":
            self.close_code = output.get("code", 1000)
            raise AssertionError(f"connection closed with code {self.close_code}")
        frame = json.loads(output.get("text") or "null")
        if isinstance(frame, dict):
            frame = {k: v for k, v in frame.items() if k not in ENVELOPE_FIELDS}
            if self.camelizes():
                frame = _snake_keys(frame)
        return topic_class.outgoing_message_adapter.validate_python(frame)

    # -- closing -----------------------------------------------------------------------------
    async def assert_closed(self, code: int | None = None, timeout: float | None = None) -> int:
        """Fail unless the application's next output closes the connection (with ``code``).

        Returns the close code. A close already read by another helper counts.
        """
        if self.close_code is None:
            output = await self.receive_output(timeout)
            if output["type"] != "websocket.close":
                raise AssertionError(f"expected the connection to close, got {output!r}")
            self.close_code = output.get("code", 1000)
        if code is not None and self.close_code != code:
            raise AssertionError(f"expected close code {code}, got {self.close_code}")
        return self.close_code
