"""Client frames: one validation pass on the raw text, O(1) routing, one reply.

Per frame: the size check, ``TypeAdapter.validate_json`` over the discriminated union of the
consumer's input types (the discriminator is always required, even with one handler), a dict
lookup from the validated type to its handler, the handler, and the reply serialized once.
Whatever happens to a frame that reached validation, it gets an answer (an error frame when
it fails: Pydantic-style entries for invalid frames, ``{"detail": ...}`` when the handler
failed) and, with ``send_completion``, a ``complete`` frame last; the connection stays open.

The override hooks chanx 2.x documents (``receive_message``, ``handle_result``,
``handle_message_handler_error``, ``handle_validation_error``,
``handle_json_processing_error``) are real methods whose defaults do what the plain path does.
Whether a class overrides one of the three per-frame hooks is decided once, when the class is
created: only such a class runs its frames through them, every other class keeps the plain
path, which calls no hook at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import BaseModel, ValidationError

from chanx.core._auth_refresh import MARKER as _REFRESH_MARKER
from chanx.core._auth_refresh import refresh_authentication
from chanx.core.envelope import Ref, current_ref, frame_ref, with_ref
from chanx.core.errors import (
    detail_frame,
    error_entry,
    error_frame,
    failure_frame,
    schema_names,
    validation_error_entries,
)
from chanx.core.sending import Sending
from chanx.core.telemetry import frame_outcome, observe_frame

if TYPE_CHECKING:
    from chanx.core.registry import Registry, Route
    from chanx.core.telemetry import FrameOutcome
    from chanx.core.topic_host import TopicHost, TopicRouter

__all__ = ["FRAME_HOOKS", "Receiving"]

#: The per-frame override hooks; a class overriding one routes its frames through them.
FRAME_HOOKS = ("receive_message", "handle_result", "handle_message_handler_error")

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
    #: True on a class overriding a per-frame hook: every frame goes through ``_chanx_run``.
    _chanx_hooked: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Once per class: a class overriding a per-frame hook runs its frames through the
        # hooks; the others keep the hook-free path (no per-frame test either way).
        if any(getattr(cls, name) is not getattr(Receiving, name) for name in FRAME_HOOKS):
            setattr(cls, "_chanx_run", Receiving._chanx_run_hooks)  # noqa: B010 - mypy refuses a method assignment
            cls._chanx_hooked = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chanx_slots: asyncio.Semaphore | None = None
        #: The error frame the default hooks answered the current frame with (telemetry only).
        self._chanx_hook_answer: str | None = None

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
            await self._chanx_in_ref(ref, self.handle_json_processing_error(_NoHandlers()))
            return
        try:
            # pydantic-core's validator itself: TypeAdapter.validate_json's Python wrapper
            # costs about a third of the validation of a small frame
            message = incoming.validator.validate_json(text_data)
        except ValidationError as exc:
            self._chanx_refused("invalid_message", ref)
            # a frame that is not JSON never reached message validation: no hook, no completion
            if exc.errors(include_url=False, include_input=False)[0]["type"] == "json_invalid":
                await self.send_text(with_ref(self._chanx_error_frame(exc), ref))
                return
            await self._chanx_in_ref(ref, self.handle_validation_error(exc))
            if self.send_completion:
                await self.send_text(with_ref(_COMPLETE, ref))
            return
        route = registry.ws_by_type[type(message)]
        if self.log_websocket_message:
            action = getattr(message, registry.discriminator_field, None)
            if action not in self._chanx_ignored:
                logger.info("received %r on %s", action, self.scope.get("path"))
        if self.max_concurrent_handlers > 1:
            slots = self._chanx_slots
            if slots is None:
                slots = self._chanx_slots = asyncio.Semaphore(self.max_concurrent_handlers)
            await slots.acquire()  # backpressure: stop reading frames while all slots are busy
            task = asyncio.create_task(self._chanx_run(route, message, ref))
            self._chanx_tasks.add(task)
            task.add_done_callback(self._chanx_task_done)
            return
        if (
            ref is not None
            or route.permissions
            or self.handler_timeout is not None
            or self._chanx_hooked
        ):
            await self._chanx_run(route, message, ref)
            return
        # The common frame (no ref, permission, timeout or overridden hook): the handler is
        # awaited right here, observed or not; what _chanx_run does, a coroutine level less.
        obs = self._chanx_telemetry
        token = None if obs is None else obs.frame_started(self, route.action, None, None)
        outcome: FrameOutcome = "error"
        code: str | None = "handler_error"
        try:
            try:
                result = await route.func(self, message)
            except Exception:
                logger.exception("handler %s failed", route.name)
                reply: str | None = route.failure
            else:
                reply = None if result is None else self._chanx_result_text(route, result)
            if obs is not None:
                # no timeout, so the start time frame_outcome takes is never read
                outcome, code = frame_outcome(self, route, reply, 0.0)
        finally:
            if obs is not None:
                obs.frame_finished(token, outcome, code)
        if reply is not None:
            await self.send_text(reply)
        if self.send_completion:
            await self.send_text(_COMPLETE)

    # -- override hooks (chanx 2.x names; the defaults are the plain path's behaviour) -------
    async def receive_message(self, message: BaseModel) -> None:
        """Hook: run the handler of a validated client frame and answer it.

        The default checks the handler's permissions, awaits it (within ``handler_timeout``),
        passes a result other than None to :meth:`handle_result` and an exception to
        :meth:`handle_message_handler_error`. An exception escaping this hook goes to
        :meth:`handle_json_processing_error`. Replies sent from here carry the frame's ``ref``.
        """
        route = self._chanx.ws_by_type[type(message)]
        if route.permissions:
            refusal = await self._chanx_refusal(route, message)
            if refusal is not None:
                self._chanx_hook_answer = refusal
                await self.send_text(with_ref(refusal, current_ref.get()))
                return
        try:
            if self.handler_timeout is None:
                result = await route.func(self, message)
            else:
                async with asyncio.timeout(self.handler_timeout):
                    result = await route.func(self, message)
        except Exception as exc:
            self._chanx_hook_answer = route.failure
            action = getattr(message, self._chanx.discriminator_field, route.keys[0])
            await self.handle_message_handler_error(exc, action, message)
            return
        if result is not None:
            await self.handle_result(result)

    async def handle_result(self, result: BaseModel) -> None:
        """Hook: send what a ``@ws_handler`` returned (not None) to the client.

        The default sends it with :meth:`~chanx.core.sending.Sending.send_message`; anything
        but a message raises ``TypeError`` (reported through
        :meth:`handle_json_processing_error`).
        """
        if not isinstance(result, BaseModel):
            raise TypeError(
                f"a handler of {type(self).__qualname__} returned {type(result).__name__}; a "
                "handler returns a message (a Pydantic model) or None"
            )
        await self.send_message(result)

    async def handle_message_handler_error(
        self, error: Exception, action: str, message: BaseModel
    ) -> None:
        """Hook: a ``@ws_handler`` raised ``error`` (or timed out) while handling ``action``.

        The default logs the exception and sends ``{"detail": "Failed to process message for
        <action>"}``; ``action`` is the consumer's own declared value, never client text.
        """
        if isinstance(error, TimeoutError):
            logger.error("handler for %r timed out after %ss", action, self.handler_timeout)
        else:
            logger.error("handler for %r failed", action, exc_info=error)
        await self.send_text(with_ref(failure_frame(action), current_ref.get()))

    async def handle_validation_error(self, error: ValidationError) -> None:
        """Hook: a client frame failed message validation (unknown action, bad field...).

        The default sends one bounded error frame of Pydantic-style entries that never echo
        the input. Frames that are not JSON at all never reach this hook.
        """
        await self.send_text(with_ref(self._chanx_error_frame(error), current_ref.get()))

    async def handle_json_processing_error(self, error: Exception) -> None:
        """Hook: a frame failed outside its handler (or the consumer has no ``@ws_handler``).

        The default logs the exception and sends ``{"detail": "Failed to process message"}``.
        """
        if not isinstance(error, _NoHandlers):
            logger.error("failed to process a frame on %s", type(self).__qualname__, exc_info=error)
        await self.send_text(with_ref(_NO_HANDLERS, current_ref.get()))

    def _chanx_error_frame(self, error: ValidationError) -> str:
        registry = self._chanx
        known = schema_names(tuple(registry.ws_by_type))
        return error_frame(validation_error_entries(error, registry.discriminator_field, known))

    async def _chanx_in_ref(self, ref: Ref | None, hook: Awaitable[None]) -> None:
        """Await ``hook`` with ``ref`` as the frame's ref, so what it sends carries it."""
        token = current_ref.set(ref)
        try:
            await hook
        finally:
            current_ref.reset(token)

    async def _chanx_run_hooks(self, route: Route, message: BaseModel, ref: Ref | None) -> None:
        """``_chanx_run`` of a class that overrides a per-frame hook (see ``FRAME_HOOKS``)."""
        token = current_ref.set(ref)
        try:
            obs = self._chanx_telemetry
            if obs is None:
                await self._chanx_receive_hooked(message)
            else:
                await observe_frame(obs, self, route, ref, self._chanx_receive_hooked(message))
        finally:
            current_ref.reset(token)
        if self.send_completion:
            await self.send_text(with_ref(_COMPLETE, ref))

    async def _chanx_receive_hooked(self, message: BaseModel) -> str | None:
        """Run the hooks; for telemetry, the error frame the default hooks answered with."""
        self._chanx_hook_answer = None
        try:
            await self.receive_message(message)
        except Exception as exc:
            await self.handle_json_processing_error(exc)
            return _NO_HANDLERS
        return self._chanx_hook_answer

    def _chanx_refused(self, code: str, ref: Ref | None) -> None:
        obs = self._chanx_telemetry  # only on the refusal paths, never per handled frame
        if obs is not None:
            obs.frame_refused(self, "invalid", code, ref)

    def _chanx_task_done(self, task: asyncio.Task[None]) -> None:
        self._chanx_tasks.discard(task)
        if self._chanx_slots is not None:
            self._chanx_slots.release()

    async def _chanx_run(self, route: Route, message: BaseModel, ref: Ref | None) -> None:
        """Handle one validated frame: a ``ref``, permissions, a timeout or a task of its own
        (the common frame has none and is handled inline by :meth:`receive`)."""
        obs = self._chanx_telemetry
        ref_token = current_ref.set(ref) if ref is not None else None
        try:
            if obs is None:
                reply = await self._chanx_call(route, message)
            else:
                call = self._chanx_call(route, message)
                reply = await observe_frame(obs, self, route, ref, call)
        finally:
            if ref_token is not None:
                current_ref.reset(ref_token)
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
        return None if result is None else self._chanx_result_text(route, result)

    def _chanx_result_text(self, route: Route, result: Any) -> str:
        """The reply text of a handler's result (not None): the message, or the failure frame."""
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


class _NoHandlers(LookupError):
    """The consumer declares no ``@ws_handler``: every frame is answered with a detail frame."""

    def __init__(self) -> None:
        super().__init__("the consumer has no @ws_handler methods")


def _expected(output_type: Any) -> str:
    if isinstance(output_type, type):
        return output_type.__name__
    return "a BaseMessage subclass" if output_type is None else repr(output_type)
