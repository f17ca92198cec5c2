"""Authentication: success, failure codes, crashes, and nothing routed before it finishes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from core_consumers import AuthConsumer, LayerConsumer, fresh_layer

from chanx.core import BaseAuthenticator, InMemoryChannelLayer
from chanx.core.testing import WebsocketHarness


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    AuthConsumer.events.clear()
    yield fresh_layer()
    LayerConsumer.layer = None


async def test_success_sets_user_runs_post_authentication_then_routes(
    layer: InMemoryChannelLayer,
) -> None:
    ws = WebsocketHarness(AuthConsumer, query_string="token=good")
    assert await ws.connect()
    await ws.send_json({"action": "ping"})
    assert (await ws.receive_json())["action"] == "pong"
    assert AuthConsumer.events == [("post_auth", {"id": 7, "name": "alice"}), "ping"]
    assert len(layer.group_members("user_7")) == 1
    await ws.disconnect()
    assert layer.group_members("user_7") == []  # groups appended at run time are left too


@pytest.mark.parametrize(
    ("query", "status", "text", "detail"),
    [
        ("", 401, "Unauthorized", "Missing or invalid token"),
        ("token=bad", 401, "Unauthorized", "Missing or invalid token"),
        ("token=forbidden", 403, "Forbidden", "Not allowed here"),
        ("token=crash", 500, "Internal Server Error", "Authentication could not complete"),
    ],
)
async def test_failure_sends_status_then_closes_with_4000_plus_status(
    query: str, status: int, text: str, detail: str, caplog: pytest.LogCaptureFixture
) -> None:
    ws = WebsocketHarness(AuthConsumer, query_string=query)
    result = await ws.connect()
    assert result.accepted  # accepted first so the reason can be sent
    # frames sent while authentication runs are never routed
    await ws.send_json({"action": "ping"})
    frame = await ws.receive_json()
    assert frame == {
        "action": "authentication",
        "payload": {"status_code": status, "status_text": text, "data": {"detail": detail}},
    }
    await ws.assert_closed(4000 + status)
    assert await ws.receive_nothing()
    await ws.disconnect()
    assert "ping" not in AuthConsumer.events
    assert not any(e[0] == "post_auth" for e in AuthConsumer.events if isinstance(e, tuple))
    if status == 500:
        assert "hunter2" not in str(frame["payload"])
        assert "hunter2" in caplog.text


async def test_out_of_range_status_falls_back_to_401() -> None:
    class Odd(BaseAuthenticator):
        async def authenticate(self) -> bool:
            self.status_code = 200
            return False

    class C(AuthConsumer):
        authenticator_class = Odd

    ws = WebsocketHarness(C)
    await ws.connect()
    assert (await ws.receive_json())["payload"]["status_code"] == 401
    await ws.assert_closed(4401)
    await ws.disconnect()


def test_authenticator_reads_query_headers_cookies_and_path_params() -> None:
    class Holder:
        scope = {
            "query_string": b"token=abc&x=1&x=2&empty=",
            "headers": [
                (b"Authorization", b"Bearer t0k"),
                (b"cookie", b"sessionid=s1; theme=dark"),
            ],
            "path_params": {"room": "lobby"},
        }

    auth = BaseAuthenticator(Holder())
    assert auth.get_query_param("token") == "abc"
    assert auth.get_query_param("x") == "1"
    assert auth.get_query_param("empty") == ""
    assert auth.get_query_param("missing", "d") == "d"
    assert auth.get_header("authorization") == "Bearer t0k"
    assert auth.get_header("AUTHORIZATION") == "Bearer t0k"
    assert auth.get_cookie("sessionid") == "s1"
    assert auth.get_cookie("nope") is None
    assert auth.path_params == {"room": "lobby"}

    class DjangoStyle:
        scope = {"url_route": {"kwargs": {"room_id": 3}}, "headers": [(b"cookie", b'bad"cookie')]}

    other = BaseAuthenticator(DjangoStyle())
    assert other.path_params == {"room_id": 3}
    assert other.cookies == {}
    assert other.get_query_param("a") is None


async def test_base_authenticator_must_be_implemented() -> None:
    class Holder:
        scope: dict[str, object] = {}

    with pytest.raises(NotImplementedError):
        await BaseAuthenticator(Holder()).authenticate()
