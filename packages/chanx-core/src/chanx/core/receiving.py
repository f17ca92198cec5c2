"""Client frames: one validation pass on the raw text, O(1) routing, one reply.

Per frame: the size check, ``TypeAdapter.validate_json`` over the discriminated union of the
consumer's input types (the discriminator is always required, even with one handler), a dict
lookup from the validated type to its handler, the handler, and the reply serialized once.
Whatever happens to a frame that reached validation, it gets an answer (an error frame when
it fails: Pydantic-style entries for invalid frames, ``{"detail": ...}`` when the handler
failed) and, with ``send_completion``, a ``complete`` frame last; the connection stays open.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import BaseModel, ValidationError

from chanx.core._auth_refresh import MARKER as _REFRESH_MARKER
from chanx.core._auth_refresh import refresh_authentication
from chanx.core.envelope import Ref, current_ref, frame_ref, with_ref
from chanx.core.errors import (
    detail_frame,
    error_entry,
    error_frame,
    schema_names,
    validation_error_entries,
)
from chanx.core.sending import Sending
from chanx.core.telemetry import observe_frame

if TYPE_CHECKING:
    from chanx.core.registry import Registry, Route
    from chanx.core.topic_host import TopicHost, TopicRouter

__all__ = ["Receiving"]

logger = logging.getLogger("chanx.consumer")

_BINARY = error_frame(
    [error_entry("json_invalid", "Invalid JSON: binary frames are not supported")]
)
_NO_HANDLERS = detail_frame("Failed to process message")
_COMPLETE = '{"action":"complete","payload":null}'


class Receiving(Sending):
    """Validating, routing and answering client frames."""

    _chanx: ClassVar[Registry]
    _chanx_ignored: ClassVar[frozenset[str]] = frozenset()
    #: Topic frame routing (chanx.core.topic_host); None on consumers without topics.
    _topic_router: ClassVar[TopicRouter | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chanx_slots: asyncio.Semaphore | None = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Validate one client frame, route it to its handler and send the reply.

        Mixins may override it to inspect raw frames first; they call ``super().receive``.
        """
        if text_data is None:
            self._chanx_refused("binary_frame", None)
            await self.send_text(_BINARY)
            return
        if len(text_data) > self.max_message_size:
            entry = error_entry(
                "message_too_large", f"Frames are limited to {self.max_message_size} characters"
            )
            self._chanx_refused("message_too_large", None)
            await self.send_text(error_frame([entry]))
            return
        # -- auth_refresh frames (chanx.core._auth_refresh): only with an authenticator -----
        if (
            self.authenticator_class is not None
            and _REFRESH_MARKER in text_data
            and await refresh_authentication(cast("Any", self), text_data)
        ):
            return
        # -- topic frames (chanx.core.topic_host): one attribute test without topics --------
        topics = self._topic_router
        if (
            topics is not None
            and topics.claims(text_data)
            and await topics.route(cast("TopicHost", self), text_data)
        ):
            return
        # ----------------------------------------------------------------------------------
        registry = self._chanx
        ref = frame_ref(text_data) if '"ref"' in text_data else None
        incoming = registry.incoming
        if incoming is None:
            self._chanx_refused("no_handlers", ref)
            await self.send_text(with_ref(_NO_HANDLERS, ref))
            return
        try:
            message = incoming.validate_json(text_data)
        except ValidationError as exc:
            known = schema_names(tuple(registry.ws_by_type))
            entries = validation_error_entries(exc, registry.discriminator_field, known)
            self._chanx_refused("invalid_message", ref)
            await self.send_text(with_ref(error_frame(entries), ref))
            # a frame that is not JSON never reached message validation: no completion
            if self.send_completion and entries[0]["type"] != "json_invalid":
                await self.send_text(with_ref(_COMPLETE, ref))
            return
        route = registry.ws_by_type[type(message)]
        if self.log_websocket_message:
            action = getattr(message, registry.discriminator_field, None)
            if action not in self._chanx_ignored:
                logger.info("received %r on %s", action, self.scope.get("path"))
        if self.max_concurrent_handlers <= 1:
            await self._chanx_run(route, message, ref)
            return
        slots = self._chanx_slots
        if slots is None:
            slots = self._chanx_slots = asyncio.Semaphore(self.max_concurrent_handlers)
        await slots.acquire()  # backpressure: stop reading frames while all slots are busy
        task = asyncio.create_task(self._chanx_run(route, message, ref))
        self._chanx_tasks.add(task)
        task.add_done_callback(self._chanx_task_done)

    def _chanx_refused(self, code: str, ref: Ref | None) -> None:
        obs = self._chanx_telemetry  # only on the refusal paths, never per handled frame
        if obs is not None:
            obs.frame_refused(self, "invalid", code, ref)

    def _chanx_task_done(self, task: asyncio.Task[None]) -> None:
        self._chanx_tasks.discard(task)
        if self._chanx_slots is not None:
            self._chanx_slots.release()

    async def _chanx_run(self, route: Route, message: BaseModel, ref: Ref | None) -> None:
        token = current_ref.set(ref) if ref is not None else None
        try:
            obs = self._chanx_telemetry
            if obs is None:
                reply = await self._chanx_call(route, message)
            else:
                call = self._chanx_call(route, message)
                reply = await observe_frame(obs, self, route, ref, call)
        finally:
            if token is not None:
                current_ref.reset(token)
        if reply is not None:
            await self.send_text(with_ref(reply, ref))
        if self.send_completion:
            await self.send_text(with_ref(_COMPLETE, ref))

    async def _chanx_call(self, route: Route, message: BaseModel) -> str | None:
        """Run the handler; the text to answer with (its result or an error frame), or None."""
        if route.permissions:
            refusal = await self._chanx_refusal(route, message)
            if refusal is not None:
                return refusal
        try:
            if self.handler_timeout is None:
                result = await route.func(self, message)
            else:
                async with asyncio.timeout(self.handler_timeout):
                    result = await route.func(self, message)
        except TimeoutError:
            logger.error("handler %s timed out after %ss", route.name, self.handler_timeout)
            return route.failure
        except Exception:
            logger.exception("handler %s failed", route.name)
            return route.failure
        if result is None:
            return None
        if not isinstance(result, BaseModel):
            logger.error(
                "handler %s.%s returned %s; a handler returns a message (a Pydantic model such "
                "as %s) or None",
                type(self).__qualname__,
                route.name,
                type(result).__name__,
                _expected(route.output_type),
            )
            return route.failure
        try:
            return self.encode_message(result)
        except Exception:
            logger.exception("handler %s returned a message that cannot be serialized", route.name)
            return route.failure

    async def _chanx_refusal(self, route: Route, message: BaseModel) -> str | None:
        """The refusal frame of the first permission that says no (or fails), else None."""
        for permission in route.permissions:
            try:
                allowed = await permission.check(self, message)
            except Exception:
                logger.exception("permission %s of %s failed", permission.name, route.name)
                allowed = False
            if not allowed:
                logger.info("permission %s refused %s", permission.name, route.name)
                return detail_frame(permission.message)
        return None


def _expected(output_type: Any) -> str:
    if isinstance(output_type, type):
        return output_type.__name__
    return "a BaseMessage subclass" if output_type is None else repr(output_type)
