"""Live authentication: expiry closes with 4440, ``auth_refresh`` re-runs the authenticator.

Expiries are short (fractions of a second) and every wait is on the close or a frame, never
a sleep of its own.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chanx.constants import CLOSE_AUTH_EXPIRED
from chanx.core import BaseAuthenticator, ChanxConsumer, ws_handler
from chanx.core.authenticator import Credential
from chanx.core.testing import WebsocketHarness
from chanx.messages import PingMessage, PongMessage

#: token -> (user, seconds of validity); "bad" is refused
TOKENS: dict[str, tuple[str, float]] = {
    "short": ("alice", 0.4),
    "long": ("alice", 60.0),
    "stale": ("alice", -1.0),
    "bob": ("bob", 60.0),
}


class ExpiringAuthenticator(BaseAuthenticator):
    credentials = [Credential("token", "query"), Credential("x-token", "header")]
    runs = 0

    async def authenticate(self) -> bool:
        type(self).runs += 1
        token = self.get_header("x-token") or self.get_query_param("token") or ""
        if token == "boom":
            raise RuntimeError("secret-internal-detail")
        found = TOKENS.get(token)
        if found is None:
            self.detail = "Invalid token"
            return False
        self.user, ttl = found
        self.expires_at = time.time() + ttl
        return True


class ExpiringConsumer(ChanxConsumer):
    authenticator_class = ExpiringAuthenticator

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


def refresh(ref: str | None = None, **credentials: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"action": "auth_refresh", "payload": credentials}
    if ref is not None:
        frame["ref"] = ref
    return frame


async def test_expired_authentication_sends_401_and_closes_with_4440() -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=short")
    assert await ws.connect()
    await ws.send_json({"action": "ping"})
    assert (await ws.receive_json())["action"] == "pong"
    frame = await ws.receive_json(timeout=5)  # waits for the expiry, nothing else
    assert frame["action"] == "authentication"
    assert frame["payload"]["status_code"] == 401
    assert frame["payload"]["data"] == {"detail": "Authentication expired"}
    assert await ws.assert_closed(CLOSE_AUTH_EXPIRED) == CLOSE_AUTH_EXPIRED
    await ws.disconnect()


async def test_a_refresh_extends_the_expiry_and_keeps_the_connection() -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=short")
    assert await ws.connect()
    await ws.send_json(refresh("r1", query={"token": "long"}))
    frame = await ws.receive_json()
    assert frame["action"] == "authentication"
    assert frame["ref"] == "r1"
    assert frame["payload"]["status_code"] == 200
    assert frame["payload"]["data"]["detail"] == "Authentication refreshed"
    assert frame["payload"]["data"]["expires_at"] > time.time() + 30
    # the first expiry (0.4 s) passes without an expiry frame; still open and routing
    assert await ws.receive_nothing(0.6)
    await ws.send_json({"action": "ping"})
    assert (await ws.receive_json())["action"] == "pong"
    await ws.disconnect()


async def test_refresh_by_header_replaces_only_that_credential() -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=short")
    assert await ws.connect()
    await ws.send_json(refresh(headers={"X-Token": "long"}))
    assert (await ws.receive_json())["payload"]["status_code"] == 200
    await ws.disconnect()


@pytest.mark.parametrize(
    ("credentials", "status", "detail"),
    [
        ({"query": {"token": "bad"}}, 401, "Invalid token"),
        ({"query": {"token": "bob"}}, 403, "The credentials belong to another user"),
        ({"query": {"token": "stale"}}, 401, "The credentials have expired"),
        ({"query": {"token": "boom"}}, 500, "Authentication could not complete"),
    ],
)
async def test_a_refused_refresh_sends_the_refusal_and_closes(
    credentials: dict[str, Any], status: int, detail: str
) -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=long")
    assert await ws.connect()
    await ws.send_json(refresh("r", **credentials))
    frame = await ws.receive_json()
    assert frame["action"] == "authentication"
    assert frame["ref"] == "r"
    assert frame["payload"]["status_code"] == status
    assert frame["payload"]["data"] == {"detail": detail}
    assert await ws.assert_closed(4000 + status)
    await ws.disconnect()


async def test_already_expired_credentials_are_refused_at_the_handshake() -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=stale")
    assert await ws.connect()
    frame = await ws.receive_json()
    assert frame["payload"]["status_code"] == 401
    assert await ws.assert_closed(4401)
    await ws.disconnect()


async def test_datetime_expiry_is_accepted() -> None:
    class DatetimeAuthenticator(BaseAuthenticator):
        async def authenticate(self) -> bool:
            self.user = "carol"
            self.expires_at = datetime.now(UTC) + timedelta(seconds=0.3)
            return True

    class DatetimeConsumer(ChanxConsumer):
        authenticator_class = DatetimeAuthenticator

    ws = WebsocketHarness(DatetimeConsumer)
    assert await ws.connect()
    assert (await ws.receive_json(timeout=5))["payload"]["status_code"] == 401
    assert await ws.assert_closed(CLOSE_AUTH_EXPIRED)
    await ws.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        refresh(query={"token": 5}),
        refresh(query={"role": "admin"}),  # not a declared credential
        refresh(headers={"x-remote-user": "root"}),  # a proxy's header: never settable
        refresh(cookies={"sessionid": "forged"}),
        refresh(query={f"k{i}": "v" for i in range(20)}),
        refresh(query={"token": "x" * 10_000}),
        refresh(evil={"token": "long"}),
        {"action": "auth_refresh", "payload": "long"},
        {"action": "auth_refresh", "payload": [1, 2, 3]},
    ],
)
async def test_invalid_refresh_frames_get_a_bounded_error_and_never_authenticate(
    frame: dict[str, Any],
) -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=long")
    assert await ws.connect()
    runs = ExpiringAuthenticator.runs
    await ws.send_json(frame)
    error = await ws.receive_json()
    assert error["action"] == "error"
    text = str(error)
    assert len(text) < 1000
    for needle in ("admin", "root", "forged", "evil", "xxxx", "k19"):
        assert needle not in text
    assert ExpiringAuthenticator.runs == runs  # the authenticator never ran again
    await ws.send_json({"action": "ping"})
    assert (await ws.receive_json())["action"] == "pong"  # the connection survived
    await ws.disconnect()


async def test_a_frame_that_merely_contains_the_marker_is_routed_as_usual() -> None:
    ws = WebsocketHarness(ExpiringConsumer, query_string="token=long")
    assert await ws.connect()
    await ws.send_json({"action": "ping", "note": "auth_refresh"})
    assert (await ws.receive_json())["action"] == "pong"
    await ws.disconnect()


async def test_without_an_authenticator_the_refresh_frame_is_an_unknown_action() -> None:
    class Open(ChanxConsumer):
        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    ws = WebsocketHarness(Open)
    assert await ws.connect()
    await ws.send_json(refresh(query={"token": "long"}))
    frame = await ws.receive_json()
    assert frame["action"] == "error"
    assert frame["payload"][0]["type"] == "union_tag_invalid"
    await ws.disconnect()
