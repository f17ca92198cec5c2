"""Decorators and the per-class registry: inference, MRO merge, passthrough, duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pytest
from core_models import (
    ChatMessage,
    ChatNotification,
    JobResult,
    LogMessage,
    MessageUpdated,
    UserJoined,
    UserJoinedNotification,
    UserLeftNotification,
)
from pydantic import BaseModel

from chanx.core import (
    ChanxConsumer,
    build_registry,
    channel,
    channel_info,
    event_handler,
    ws_handler,
)
from chanx.core.decorators import HANDLER_ATTR, HandlerInfo
from chanx.messages import PingMessage, PongMessage


def test_bare_and_parametrised_decorators_record_metadata() -> None:
    async def bare(self: object, message: PingMessage) -> PongMessage:
        return PongMessage()

    assert ws_handler(bare) is bare
    info = getattr(bare, HANDLER_ATTR)
    assert isinstance(info, HandlerInfo)
    assert info.kind == "ws"
    assert info.tags == ()

    deco = event_handler(action="x", summary="s", description="d", tags=["a", "b"])

    async def handler(self: object, event: UserJoined) -> None:
        return None

    assert deco(handler) is handler
    info = getattr(handler, HANDLER_ATTR)
    assert (info.kind, info.action, info.summary, info.description, info.tags) == (
        "event",
        "x",
        "s",
        "d",
        ("a", "b"),
    )


def test_decorating_a_non_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="decorates an async method"):
        ws_handler(42)  # type: ignore[call-overload]


def test_types_inferred_from_postponed_annotations() -> None:
    class C(ChanxConsumer):
        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

        @ws_handler(output_type=ChatNotification, summary="chat", tags=["chat"])
        async def handle_chat(self, message: ChatMessage) -> None:
            """Broadcast chat."""

        @ws_handler
        async def handle_log(self, message: LogMessage) -> None:
            return None

    routes = {r.name: r for r in C.get_registry().ws_routes}
    assert routes["handle_ping"].input_type is PingMessage
    assert routes["handle_ping"].output_type is PongMessage
    assert routes["handle_ping"].action == "ping"
    assert routes["handle_chat"].output_type is ChatNotification
    assert routes["handle_chat"].description == "Broadcast chat."
    assert routes["handle_chat"].tags == ("chat",)
    assert routes["handle_log"].output_type is None
    assert C.get_registry().actions == ("ping", "chat", "log")


def test_explicit_input_type_and_action() -> None:
    class C(ChanxConsumer):
        @ws_handler(input_type=PingMessage, action="probe")
        async def anything(self, message) -> None:  # type: ignore[no-untyped-def]
            return None

    (route,) = C.get_registry().ws_routes
    assert route.input_type is PingMessage
    assert route.action == "probe"
    assert route.keys == ("ping",)


def test_missing_input_type_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"input type must be a Pydantic model"):

        class C(ChanxConsumer):
            @ws_handler
            async def nothing(self) -> None:
                return None


def test_unresolvable_annotation_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"cannot resolve its annotations"):

        class C(ChanxConsumer):
            @ws_handler
            async def handle(self, message: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
                return None


def test_input_without_literal_discriminator_is_refused() -> None:
    class Plain(BaseModel):
        action: str

    with pytest.raises(TypeError, match=r"cannot be routed"):

        class C(ChanxConsumer):
            @ws_handler
            async def handle(self, message: Plain) -> None:
                return None


def test_duplicate_action_names_both_methods() -> None:
    with pytest.raises(TypeError, match=r"'ping' is handled by both first\(\) and second\(\)"):

        class C(ChanxConsumer):
            @ws_handler
            async def first(self, message: PingMessage) -> None:
                return None

            @ws_handler
            async def second(self, message: PingMessage) -> None:
                return None


class PingMixin:
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


def test_handlers_merge_through_the_mro_and_overrides_keep_routing() -> None:
    class Base(PingMixin, ChanxConsumer):
        @ws_handler
        async def handle_log(self, message: LogMessage) -> None:
            return None

    class Child(Base):
        async def handle_log(self, message: LogMessage) -> None:  # override, not re-decorated
            return None

        handle_ping = None  # type: ignore[assignment]  # switched off

    assert {r.name for r in Base.get_registry().ws_routes} == {"handle_ping", "handle_log"}
    (route,) = Child.get_registry().ws_routes
    assert route.name == "handle_log"
    assert route.func is Child.handle_log


def test_passthrough_events_generate_methods_and_merge_across_mixins() -> None:
    class PresenceLike:
        passthrough_events: Sequence[type[BaseModel]] = [
            UserJoinedNotification,
            UserLeftNotification,
        ]

    class C(PresenceLike, ChanxConsumer):
        passthrough_events: Sequence[type[BaseModel]] = [MessageUpdated, UserJoinedNotification]

    names = sorted(r.name for r in C.get_registry().event_routes)
    assert names == [
        "handle_passthrough_message_updated",
        "handle_passthrough_user_joined_notification",
        "handle_passthrough_user_left_notification",
    ]
    assert all(
        r.passthrough and r.input_type is r.output_type for r in C.get_registry().event_routes
    )
    assert callable(C.handle_passthrough_message_updated)  # type: ignore[attr-defined]


def test_explicit_handler_wins_over_passthrough_and_prefix_is_configurable() -> None:
    class C(ChanxConsumer):
        passthrough_events = [UserJoinedNotification, UserLeftNotification]
        passthrough_method_prefix = "forward_"

        @event_handler
        async def handle_user_joined(self, event: UserJoinedNotification) -> UserJoinedNotification:
            return event

    routes = {r.name: r for r in C.get_registry().event_routes}
    assert set(routes) == {"handle_user_joined", "forward_user_left_notification"}
    assert not routes["handle_user_joined"].passthrough
    assert not hasattr(C, "forward_user_joined_notification")

    class Sub(C):
        pass

    assert {r.name for r in Sub.get_registry().event_routes} == set(routes)


def test_passthrough_name_clash_and_bad_entries() -> None:
    with pytest.raises(TypeError, match="already taken"):

        class Clash(ChanxConsumer):
            passthrough_events = [MessageUpdated]

            def handle_passthrough_message_updated(self) -> None: ...

    with pytest.raises(TypeError, match="must list Pydantic models"):

        class NotModel(ChanxConsumer):
            passthrough_events = [int]  # type: ignore[list-item]

    class NoLiteral(BaseModel):
        action: str

    with pytest.raises(TypeError, match="no Literal"):

        class Bad(ChanxConsumer):
            passthrough_events = [NoLiteral]


def test_event_routing_keys_and_action_names() -> None:
    class C(ChanxConsumer):
        @event_handler
        async def user_joined(self, event: UserJoined) -> ChatNotification:
            raise NotImplementedError

        @event_handler(output_type=ChatNotification)
        async def job(self, event: JobResult) -> None:
            return None

    reg = C.get_registry()
    assert set(reg.event_by_key) == {"user_joined", "job_result"}
    assert reg.event_by_key["user_joined"].action == "chat_notification"  # named by its output
    assert reg.event_by_key["job_result"].action == "chat_notification"
    assert reg.incoming is None


def test_custom_discriminator_field() -> None:
    class Typed(BaseModel):
        type: Literal["hello"] = "hello"

    class C(ChanxConsumer):
        discriminator_field = "type"

        @ws_handler
        async def hello(self, message: Typed) -> None:
            return None

    incoming = C.get_registry().incoming
    assert incoming is not None
    assert isinstance(incoming.validate_json('{"type": "hello"}'), Typed)


def test_channel_decorator_defaults_and_no_inheritance() -> None:
    @channel(name="chat", description="Real-time chat", tags=["a"])
    class Chat(ChanxConsumer):
        """Doc of chat."""

    class Plain(ChanxConsumer):
        """Plain consumer."""

    @channel
    class Bare(ChanxConsumer):
        """Bare doc."""

    class Child(Chat):
        pass

    assert channel_info(Chat).name == "chat"
    assert channel_info(Chat).tags == ("a",)
    assert channel_info(Chat).description == "Real-time chat"
    assert channel_info(Plain).name == "Plain"
    assert channel_info(Plain).description == "Plain consumer."
    assert channel_info(Bare).description == "Bare doc."
    assert channel_info(Child).name == "Child"
    assert channel_info(Child).description is None


def test_build_registry_is_rerunnable_and_class_local() -> None:
    class A(ChanxConsumer):
        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    class B(ChanxConsumer):
        pass

    assert B.get_registry().ws_routes == ()
    assert A.get_registry() is not B.get_registry()
    again = build_registry(A)
    assert again.actions == A.get_registry().actions


async def test_rebuild_registry_follows_changed_attributes() -> None:
    from chanx.core.testing import WebsocketHarness

    class LocalPayload(BaseModel):
        some_key: str

    class LocalEcho(BaseModel):  # local to this function: the rebuild still resolves it
        action: Literal["local_echo"] = "local_echo"
        payload: LocalPayload

    class Settable(ChanxConsumer):
        channel_layer_alias = None

        @ws_handler
        async def handle_echo(self, message: LocalEcho) -> LocalEcho:
            return message

    before = Settable.get_registry()
    Settable.camelize = True
    assert Settable.get_registry() is before  # nothing recompiles by itself
    rebuilt = Settable.rebuild_registry()
    assert rebuilt is Settable.get_registry() is not before
    assert rebuilt.camelize is True
    assert [r.input_type for r in rebuilt.ws_routes] == [LocalEcho]
    async with WebsocketHarness(Settable) as ws:
        await ws.send_json({"action": "local_echo", "payload": {"someKey": "v"}})
        assert await ws.receive_json() == {"action": "local_echo", "payload": {"someKey": "v"}}
