"""Contract: authentication before routing, failure codes, user and path params after it."""

from __future__ import annotations

import functools
from types import ModuleType, SimpleNamespace
from typing import Any, Literal

import pytest

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

USERS = {"good": "ada", "other": "bob"}


class TokenAuthenticator(BaseAuthenticator):
    async def authenticate(self) -> bool:
        token = self.get_query_param("token")
        if not token:
            return False
        if token == "forbidden":
            self.status_code, self.detail = 403, "Not allowed here"
            return False
        if token == "crash":
            raise RuntimeError("SECRET token store down")
        self.user = USERS.get(token)
        return self.user is not None


class WhoAmI(BaseMessage):
    action: Literal["whoami"] = "whoami"


class Identity(BaseMessage):
    action: Literal["identity"] = "identity"
    payload: dict[str, str]


@functools.cache
def consumers(base: type[Any]) -> SimpleNamespace:
    class SecureConsumer(base):  # type: ignore[misc]
        authenticator_class = TokenAuthenticator

        async def post_authentication(self) -> None:
            self.room = self.scope["path_params"]["room_id"]

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

        @ws_handler
        async def handle_whoami(self, message: WhoAmI) -> Identity:
            assert self.authenticator.user == self.user
            return Identity(payload={"user": self.user, "room": self.room})

    return SimpleNamespace(secure=SecureConsumer)


def routes(binding: ModuleType) -> list[tuple[str, type[Any]]]:
    return [("/ws/secure/{room_id}", consumers(binding.Consumer).secure)]


class TestAuthentication:
    async def test_success_sets_user_and_path_params(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/secure/42", query_string="token=good")
        await ws.send_json({"action": "whoami"})
        assert await ws.receive_json() == {
            "action": "identity",
            "payload": {"user": "ada", "room": "42"},
        }

    @pytest.mark.parametrize(
        ("query", "status", "text"),
        [
            ("", 401, "Unauthorized"),
            ("token=unknown", 401, "Unauthorized"),
            ("token=forbidden", 403, "Forbidden"),
            ("token=crash", 500, "Internal Server Error"),
        ],
    )
    async def test_failure_sends_a_reason_then_closes_with_4xxx(
        self, binding: ModuleType, open_ws: Any, query: str, status: int, text: str
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/secure/1", query_string=query)
        frame = await ws.receive_json()
        assert frame["action"] == "authentication"
        assert frame["payload"]["status_code"] == status
        assert frame["payload"]["status_text"] == text
        assert "SECRET" not in str(frame)
        await ws.assert_closed(4000 + status)

    async def test_frames_after_a_failed_authentication_are_not_routed(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/secure/1", query_string="token=forbidden")
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "authentication"
        await ws.assert_closed(4403)
        assert await ws.receive_nothing(0.1)  # the ping was never answered
