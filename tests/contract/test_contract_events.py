"""Contract: server-side events (send_event, broadcast_event, sync twins) and passthrough."""

from __future__ import annotations

import asyncio
import functools
from types import ModuleType, SimpleNamespace
from typing import Any, Literal

from pydantic import BaseModel

from chanx.core.decorators import event_handler, ws_handler
from chanx.messages.base import BaseChannelEvent, BaseMessage


class JobResult(BaseMessage):
    action: Literal["job_result"] = "job_result"
    payload: str


class JobStatusMessage(BaseMessage):
    action: Literal["job_status"] = "job_status"
    payload: dict[str, str]


class ComplexEvent(BaseMessage):
    action: Literal["complex"] = "complex"
    payload: int


class Notification(BaseMessage):
    action: Literal["notification"] = "notification"
    payload: str


class UserJoinedNotification(BaseMessage):
    action: Literal["user_joined_notification"] = "user_joined_notification"
    payload: str


class UserLeftNotification(BaseMessage):
    action: Literal["user_left_notification"] = "user_left_notification"
    payload: str


class MessageUpdated(BaseMessage):
    action: Literal["message_updated"] = "message_updated"
    payload: str


class UserPayload(BaseModel):
    username: str


class UserJoinedEvent(BaseChannelEvent):
    handler: Literal["user_joined"] = "user_joined"
    payload: UserPayload


class UserJoinedMessage(BaseMessage):
    action: Literal["user_joined_message"] = "user_joined_message"
    payload: str


class WhoAmI(BaseMessage):
    action: Literal["whoami"] = "whoami"


class ChannelName(BaseMessage):
    action: Literal["channel_name"] = "channel_name"
    payload: str


class PresenceMixin:
    passthrough_events = [UserJoinedNotification, UserLeftNotification]


@functools.cache
def consumers(base: Any) -> SimpleNamespace:
    """Event consumers on one binding's base class."""

    class JobConsumer(PresenceMixin, base[JobResult]):  # type: ignore[misc]
        groups = ["jobs"]
        passthrough_events = [MessageUpdated]

        @ws_handler
        async def handle_whoami(self, message: WhoAmI) -> ChannelName:
            return ChannelName(payload=self.channel_name)

        @event_handler
        async def handle_job_result(self, event: JobResult) -> JobStatusMessage:
            return JobStatusMessage(payload={"status": "result", "message": event.payload})

        @event_handler(output_type=Notification)
        async def handle_complex_event(self, event: ComplexEvent) -> None:
            await self.send_message(Notification(payload="Processing..."))
            await self.send_message(Notification(payload=f"Complete! {event.payload}"))

        @event_handler  # explicit handler wins over the mixin's passthrough
        async def handle_user_joined(self, event: UserJoinedNotification) -> UserJoinedNotification:
            return UserJoinedNotification(payload=f"explicit:{event.payload}")

        @event_handler(output_type=UserJoinedMessage)
        async def user_joined(self, event: UserJoinedEvent) -> UserJoinedMessage:
            return UserJoinedMessage(payload=f"{event.payload.username} joined the room")

    class ForwardConsumer(base):  # type: ignore[misc]
        groups = ["forward"]
        passthrough_events = [UserLeftNotification]
        passthrough_method_prefix = "forward_"

    return SimpleNamespace(job=JobConsumer, forward=ForwardConsumer)


def routes(binding: ModuleType) -> list[tuple[str, type[Any]]]:
    c = consumers(binding.Consumer)
    return [("/ws/jobs", c.job), ("/ws/forward", c.forward)]


async def channel_of(ws: Any) -> str:
    await ws.send_json({"action": "whoami"})
    name: str = (await ws.receive_json())["payload"]
    return name


class TestEvents:
    async def test_send_event_reaches_one_connection(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        job = consumers(binding.Consumer).job
        a = await open_ws(routes(binding), "/ws/jobs")
        b = await open_ws(routes(binding), "/ws/jobs")
        await job.send_event(JobResult(payload="done"), await channel_of(b))
        expected = {"action": "job_status", "payload": {"status": "result", "message": "done"}}
        assert await b.receive_json() == expected
        assert await a.receive_nothing()

    async def test_broadcast_event_reaches_the_group(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        job = consumers(binding.Consumer).job
        a = await open_ws(routes(binding), "/ws/jobs")
        b = await open_ws(routes(binding), "/ws/jobs")
        await job.broadcast_event(JobResult(payload="all"))  # default: the class's groups
        for ws in (a, b):
            assert (await ws.receive_json())["payload"]["message"] == "all"
        await job.broadcast_event(ComplexEvent(payload=3), groups=["jobs"])
        for ws in (a, b):
            assert await ws.receive_json() == {"action": "notification", "payload": "Processing..."}
            assert await ws.receive_json() == {"action": "notification", "payload": "Complete! 3"}

    async def test_sync_twins_from_a_thread(self, binding: ModuleType, open_ws: Any) -> None:
        job = consumers(binding.Consumer).job
        a = await open_ws(routes(binding), "/ws/jobs")
        channel = await channel_of(a)
        await asyncio.to_thread(job.broadcast_event_sync, JobResult(payload="t1"))
        await asyncio.to_thread(job.send_event_sync, JobResult(payload="t2"), channel)
        assert (await a.receive_json())["payload"]["message"] == "t1"
        assert (await a.receive_json())["payload"]["message"] == "t2"

    async def test_base_channel_event_routed_by_handler(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        job = consumers(binding.Consumer).job
        a = await open_ws(routes(binding), "/ws/jobs")
        await job.broadcast_event(UserJoinedEvent(payload=UserPayload(username="ada")))
        assert await a.receive_json() == {
            "action": "user_joined_message",
            "payload": "ada joined the room",
        }

    async def test_passthrough_merged_from_mixin_explicit_handler_wins(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        job = consumers(binding.Consumer).job
        a = await open_ws(routes(binding), "/ws/jobs")
        await job.broadcast_event(UserLeftNotification(payload="bob"))  # from the mixin
        assert await a.receive_json() == {"action": "user_left_notification", "payload": "bob"}
        await job.broadcast_event(MessageUpdated(payload="m1"))  # the consumer's own
        assert await a.receive_json() == {"action": "message_updated", "payload": "m1"}
        await job.broadcast_event(UserJoinedNotification(payload="cy"))  # explicit handler
        assert await a.receive_json() == {
            "action": "user_joined_notification",
            "payload": "explicit:cy",
        }
        assert hasattr(job, "handle_passthrough_user_left_notification")
        assert hasattr(job, "handle_passthrough_message_updated")

    async def test_passthrough_prefix_and_unknown_events_ignored(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        forward = consumers(binding.Consumer).forward
        assert hasattr(forward, "forward_user_left_notification")
        ws = await open_ws(routes(binding), "/ws/forward")
        await forward.broadcast_event(JobResult(payload="not mine"))  # no handler: ignored
        await forward.broadcast_event(UserLeftNotification(payload="eve"))
        assert await ws.receive_json() == {"action": "user_left_notification", "payload": "eve"}
        assert await ws.receive_nothing()
