"""DjangoAuthenticator through a real DRF view: view kwargs, get_object overrides, custom views,
auth_method, the authentication frame and SEND_AUTHENTICATION_MESSAGE."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from channels.routing import URLRouter
from django.test import override_settings
from django_chat.chat.models import ChatRoom
from django_chat.chat.permissions import IsRoomMember
from django_support import make_room, make_user, reason, receive_reply, ws_route
from rest_framework.authentication import TokenAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from chanx.channels.authenticator import ChanxAuthView, DjangoAuthenticator
from chanx.channels.testing import WebsocketCommunicator, token_headers
from chanx.channels.utils import override_chanx_settings
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.django


class RouteKwargMember(BasePermission):
    """Reads the room from ``view.kwargs``, as DRF permissions do."""

    message = "Not in this room."

    def has_permission(self, request: Any, view: Any) -> bool:
        room = ChatRoom.objects.get(pk=view.kwargs["room_id"])
        seen.append(("kwargs", dict(view.kwargs), tuple(view.args)))
        return not room.is_private or room.members.filter(pk=request.user.pk).exists()


seen: list[Any] = []


class Recording(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None
    calls: ClassVar[list[Any]] = []

    async def post_authentication(self) -> None:
        auth = self.authenticator
        self.calls.append(
            (
                getattr(auth.user, "username", None),
                getattr(auth.obj, "name", None),
                type(auth.request).__name__,
                auth.status_code,
            )
        )

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class KwargsAuth(DjangoAuthenticator):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, RouteKwargMember]


class KwargsConsumer(Recording):
    authenticator_class = KwargsAuth


class SuperGetObjectAuth(DjangoAuthenticator):
    """The documented override: narrow the lookup, then ``super().get_object()``."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, IsRoomMember]
    queryset = ChatRoom.objects.all()
    lookup_url_kwarg = "room_id"

    def get_object(self) -> Any:
        seen.append(("get_object", self.kwargs, self.request.user.username))
        room = super().get_object()
        seen.append(("found", room.name))
        return room


class SuperGetObjectConsumer(Recording):
    authenticator_class = SuperGetObjectAuth


class OwnQuerysetAuth(DjangoAuthenticator):
    """``get_queryset`` instead of ``queryset``: public rooms only."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    lookup_url_kwarg = "room_id"

    def get_queryset(self) -> Any:
        return ChatRoom.objects.filter(is_private=False)


class OwnQuerysetConsumer(Recording):
    authenticator_class = OwnQuerysetAuth


class ProjectView(GenericAPIView[Any]):
    """A project's own view: its handlers would refuse, its permissions must still run."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"detail": "real handler"}, status=418)


class InterceptedViewAuth(DjangoAuthenticator):
    authentication_classes = [TokenAuthentication]
    auth_view_class = ProjectView


class RealHandlerAuth(InterceptedViewAuth):
    override_http_methods = False


class InterceptedConsumer(Recording):
    authenticator_class = InterceptedViewAuth


class RealHandlerConsumer(Recording):
    authenticator_class = RealHandlerAuth


class PostAuth(DjangoAuthenticator):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly]
    auth_method = "post"


class PostConsumer(Recording):
    authenticator_class = PostAuth


class NoMoreToday(BaseThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        return False


class ThrottledView(ChanxAuthView):
    throttle_classes = [NoMoreToday]


class ThrottledAuth(DjangoAuthenticator):
    auth_view_class = ThrottledView
    permission_classes: list[Any] = []


class ThrottledConsumer(Recording):
    authenticator_class = ThrottledAuth


class ScopeSignatureAuth(KwargsAuth):
    """chanx 2.13's signature, delegating to the base class."""

    async def authenticate(self, scope: Any) -> bool:
        seen.append(("scope", scope["path"]))
        return await super().authenticate(scope)


class ScopeSignatureConsumer(Recording):
    authenticator_class = ScopeSignatureAuth


app = URLRouter(
    [
        ws_route("ws/kw/<int:room_id>/", KwargsConsumer.as_asgi()),
        ws_route("ws/super/<int:room_id>/", SuperGetObjectConsumer.as_asgi()),
        ws_route("ws/own-qs/<int:room_id>/", OwnQuerysetConsumer.as_asgi()),
        ws_route("ws/intercepted/", InterceptedConsumer.as_asgi()),
        ws_route("ws/real/", RealHandlerConsumer.as_asgi()),
        ws_route("ws/post/", PostConsumer.as_asgi()),
        ws_route("ws/throttled/", ThrottledConsumer.as_asgi()),
        ws_route("ws/scope/<int:room_id>/", ScopeSignatureConsumer.as_asgi()),
    ]
)


@pytest.fixture(autouse=True)
def _clear() -> None:
    seen.clear()
    Recording.calls.clear()


@pytest.fixture
def people() -> dict[str, Any]:
    alice, bob = make_user(), make_user()
    return {
        "alice": alice,
        "bob": bob,
        "secret": make_room(private=True, members=(alice,)),
        "lobby": make_room(),
    }


async def refused(url: str, headers: Any = ()) -> tuple[Any, int]:
    ws = WebsocketCommunicator(app, url, headers=headers)
    try:
        assert await ws.connect()
        frame = await ws.receive_json()
        assert frame["action"] == "authentication"
        return frame["payload"], await ws.assert_closed()
    finally:
        await ws.disconnect()


async def pinged(url: str, headers: Any = ()) -> None:
    async with WebsocketCommunicator(app, url, headers=headers) as ws:
        await ws.send_json({"action": "ping"})
        assert (await receive_reply(ws))["action"] == "pong"


async def test_permissions_read_the_route_kwargs_from_the_view(people: dict[str, Any]) -> None:
    alice, secret = people["alice"], people["secret"]
    await pinged(f"/ws/kw/{secret.pk}/", await token_headers(alice))
    assert seen == [("kwargs", {"room_id": secret.pk}, ())]
    assert Recording.calls == [(alice.username, None, "Request", 200)]  # DRF's request
    payload, code = await refused(f"/ws/kw/{secret.pk}/", await token_headers(people["bob"]))
    assert (code, reason(payload)) == (4403, "Not in this room.")


async def test_super_get_object_in_an_override_works(people: dict[str, Any]) -> None:
    alice, secret = people["alice"], people["secret"]
    await pinged(f"/ws/super/{secret.pk}/", await token_headers(alice))
    assert seen == [
        ("get_object", {"room_id": secret.pk}, alice.username),
        ("found", secret.name),
    ]
    assert Recording.calls == [(alice.username, secret.name, "Request", 200)]


async def test_an_overridden_get_object_still_gets_object_permissions(
    people: dict[str, Any],
) -> None:
    payload, code = await refused(
        f"/ws/super/{people['secret'].pk}/", await token_headers(people["bob"])
    )
    assert (code, reason(payload)) == (4403, "You are not a member of this room.")
    payload, code = await refused("/ws/super/999999/", await token_headers(people["bob"]))
    assert (code, payload["status_text"]) == (4404, "Not Found")
    assert reason(payload) == "No ChatRoom matches the given query."  # DRF's body


async def test_get_queryset_override_limits_the_lookup(people: dict[str, Any]) -> None:
    headers = await token_headers(people["alice"])
    await pinged(f"/ws/own-qs/{people['lobby'].pk}/", headers)
    assert Recording.calls[0][1] == people["lobby"].name
    _, code = await refused(f"/ws/own-qs/{people['secret'].pk}/", headers)
    assert code == 4404


async def test_a_custom_view_runs_its_permissions_with_stub_handlers(
    people: dict[str, Any],
) -> None:
    await pinged("/ws/intercepted/", await token_headers(people["alice"]))
    assert Recording.calls == [(people["alice"].username, None, "Request", 200)]
    _, code = await refused("/ws/intercepted/")
    assert code == 4401  # the view's IsAuthenticated; TokenAuthentication's header


async def test_override_http_methods_false_runs_the_real_handler(people: dict[str, Any]) -> None:
    payload, code = await refused("/ws/real/", await token_headers(people["alice"]))
    assert (code, payload["status_code"], reason(payload)) == (4418, 418, "real handler")


async def test_auth_method_is_the_verb_permissions_see(people: dict[str, Any]) -> None:
    _, code = await refused("/ws/post/")  # anonymous may read, not post
    assert code == 4401
    await pinged("/ws/post/", await token_headers(people["alice"]))


async def test_throttles_of_the_view_apply() -> None:
    payload, code = await refused("/ws/throttled/")
    assert (code, payload["status_code"]) == (4429, 429)


async def test_authenticate_with_the_scope_signature_delegates_to_super(
    people: dict[str, Any],
) -> None:
    url = f"/ws/scope/{people['lobby'].pk}/"
    await pinged(url, await token_headers(people["bob"]))
    assert seen[0] == ("scope", url)
    assert Recording.calls[0][0] == people["bob"].username


def test_the_default_view_and_its_names() -> None:
    assert DjangoAuthenticator.auth_view_class is ChanxAuthView
    assert DjangoAuthenticator.override_http_methods is True
    assert DjangoAuthenticator.auth_method == "get"
    from chanx.channels.auth_view import intercepted

    made = intercepted(ProjectView)
    assert made.__name__ == "InterceptedProjectView"
    assert intercepted(ProjectView) is made
    assert intercepted(ChanxAuthView) is ChanxAuthView


def test_configuration_mistakes_fail_at_class_creation() -> None:
    with pytest.raises(TypeError, match="auth_method must be one of 'get', 'post'"):

        class Head(DjangoAuthenticator):
            auth_method = "head"  # type: ignore[assignment]

    with pytest.raises(TypeError, match="auth_view_class must be a DRF view class"):

        class NotAView(DjangoAuthenticator):
            auth_view_class = dict  # type: ignore[assignment]


# -- the authentication frame -------------------------------------------------------------


async def test_success_sends_the_authentication_frame_first(people: dict[str, Any]) -> None:
    headers = await token_headers(people["alice"])
    async with WebsocketCommunicator(app, f"/ws/kw/{people['lobby'].pk}/", headers=headers) as ws:
        frame = await ws.receive_json()
        assert frame["action"] == "authentication"
        payload = frame["payload"]
        assert (payload["status_code"], payload["status_text"]) == (200, "OK")
        assert payload["data"] == {"detail": "OK"}
        assert payload.get("detail") is None


async def test_failure_frame_carries_the_drf_body(people: dict[str, Any]) -> None:
    payload, code = await refused(f"/ws/kw/{people['lobby'].pk}/")
    assert code == 4401
    assert (payload["status_code"], payload["status_text"]) == (401, "Unauthorized")
    assert payload["data"] == {"detail": "Authentication credentials were not provided."}


@override_chanx_settings(SEND_AUTHENTICATION_MESSAGE=False)
async def test_no_frame_on_success_without_send_authentication_message(
    people: dict[str, Any],
) -> None:
    headers = await token_headers(people["alice"])
    async with WebsocketCommunicator(app, f"/ws/kw/{people['lobby'].pk}/", headers=headers) as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"


async def test_no_frame_on_failure_without_send_authentication_message(
    people: dict[str, Any],
) -> None:
    with override_settings(CHANX={"SEND_AUTHENTICATION_MESSAGE": False}):
        ws = WebsocketCommunicator(app, f"/ws/kw/{people['lobby'].pk}/")
        assert await ws.connect()  # accepted, so that the close code reaches the client
        with pytest.raises(AssertionError, match="connection closed with code 4401"):
            await ws.receive_json()  # the close comes first: no frame
        await ws.disconnect()
