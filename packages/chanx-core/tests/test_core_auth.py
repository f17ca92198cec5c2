"""Authentication: success, failure codes, crashes, and nothing routed before it finishes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from core_consumers import AuthConsumer, LayerConsumer, fresh_layer

from chanx.core import BaseAuthenticator, ChanxConsumer, InMemoryChannelLayer
from chanx.core.authenticator import CLOSE_UNAUTHENTICATED, Credential, status_text
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


class ScopeStyle(BaseAuthenticator):
    """chanx 2.13's signature: the scope is an argument."""

    async def authenticate(self, scope: Any) -> bool:
        self.user = {"path": scope["path"]}
        return bool(scope["query_string"])


class ScopeStyleChild(ScopeStyle):
    async def authenticate(self, scope: Any) -> bool:
        return await super().authenticate(scope) and scope["query_string"] != b"no"


class GuideStyle(BaseAuthenticator):
    """The guides' signature: no argument."""

    async def authenticate(self) -> bool:
        self.user = "guide"
        return True


class ScopeConsumer(ChanxConsumer):
    channel_layer_alias = None
    authenticator_class = ScopeStyleChild
    seen: ClassVar[list[Any]] = []

    async def post_authentication(self) -> None:
        self.seen.append(self.user)


async def test_authenticate_with_a_scope_argument_runs_in_the_consumer() -> None:
    ScopeConsumer.seen.clear()
    async with WebsocketHarness(ScopeConsumer, path="/ws/x/", query_string="t=1"):
        pass
    assert ScopeConsumer.seen == [{"path": "/ws/x/"}]
    refused = WebsocketHarness(ScopeConsumer, path="/ws/x/", query_string="no")
    assert await refused.connect()
    await refused.receive_json()
    assert await refused.assert_closed() == 4401
    await refused.disconnect()


def test_an_authenticate_with_another_signature_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"async def authenticate\(self, scope\) -> bool"):

        class TwoArgs(BaseAuthenticator):
            async def authenticate(self, scope: Any, extra: Any) -> bool:
                return True

    with pytest.raises(TypeError, match="must be `async def"):

        class NotAsync(BaseAuthenticator):
            def authenticate(self) -> bool:  # type: ignore[override]
                return True


def test_close_code_and_the_default_refusal_frame() -> None:
    class Holder:
        scope: ClassVar[dict[str, Any]] = {}

    auth = GuideStyle(Holder())
    assert auth.close_code == 4401
    auth.status_code = 404
    assert auth.close_code == 4404
    auth.status_code = 302
    assert auth.close_code == CLOSE_UNAUTHENTICATED
    assert auth.authentication_message(True) is None
    auth.status_code, auth.detail = 403, "no"
    frame = auth.authentication_message(False)
    assert frame is not None
    dumped = frame.model_dump()
    assert dumped["action"] == "authentication"
    payload = dumped["payload"]
    assert (payload["status_code"], payload["status_text"]) == (403, "Forbidden")
    assert payload["data"] == {"detail": "no"}
    assert status_text(499) == ""


def test_credentials_document_security_schemes() -> None:
    class TokenAuth(BaseAuthenticator):
        credentials = (Credential("token", "query", "API token"), Credential("sid", "cookie"))

    assert TokenAuth.security_schemes == {
        "token": {"type": "httpApiKey", "name": "token", "in": "query", "description": "API token"},
        "sid": {"type": "httpApiKey", "name": "sid", "in": "cookie"},
    }
    assert BaseAuthenticator.security_schemes == {}
    with pytest.raises(AttributeError):
        Credential("a", "query").name = "b"  # type: ignore[misc]


def test_a_bound_send_message_is_accepted_in_place_of_the_consumer() -> None:
    class Holder:
        scope: ClassVar[dict[str, Any]] = {"path": "/h/"}

        async def send_message(self, message: Any) -> None: ...

    holder = Holder()
    auth = GuideStyle(holder.send_message)
    assert auth.consumer is holder
    assert auth.scope == {"path": "/h/"}
