"""The CHANX setting: defaults for consumers, explicit attributes win, validation, re-resolution."""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any, Literal, cast

import pytest
from channels.layers import get_channel_layer
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_support import EXAMPLE_DIR, PYTHON, subprocess_env
from pydantic import BaseModel

import chanx.channels.settings as settings_module
from chanx.channels.settings import chanx_settings
from chanx.channels.testing import WebsocketCommunicator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import ws_handler
from chanx.core.layers import InMemoryChannelLayer
from chanx.messages.base import BaseMessage

pytestmark = pytest.mark.django


class EchoPayload(BaseModel):
    user_name: str


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: EchoPayload


class EchoedMessage(BaseMessage):
    action: Literal["echoed"] = "echoed"
    payload: EchoPayload


class DefaultsConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoedMessage:
        return EchoedMessage(payload=message.payload)


class ExplicitConsumer(DefaultsConsumer):
    send_completion = False
    max_message_size = 50


class ChildOfDefaults(DefaultsConsumer):
    pass


class DenyAll(BaseAuthenticator):
    async def authenticate(self) -> bool:
        self.status_code, self.detail = 403, "nope"
        return False


def config(cls: type) -> tuple[Any, Any]:
    """``(send_completion, max_message_size)`` of a class once it resolved its settings."""
    cls.get_channel_layer()  # type: ignore[attr-defined]
    return cls.send_completion, cls.max_message_size  # type: ignore[attr-defined]


def test_settings_fill_defaults_but_explicit_attributes_win() -> None:
    with override_settings(CHANX={"send_completion": True, "max_message_size": 1000}):
        assert config(DefaultsConsumer) == (True, 1000)
        assert config(ExplicitConsumer) == (False, 50)
        assert config(ChildOfDefaults) == (True, 1000)
    assert config(DefaultsConsumer) == (False, 1_048_576)  # withdrawn with the setting
    assert config(ChildOfDefaults) == (False, 1_048_576)


async def test_settings_apply_to_live_connections() -> None:
    with override_settings(CHANX={"send_completion": True, "camelize": True}):
        async with WebsocketCommunicator(DefaultsConsumer, "/ws/") as ws:
            await ws.send_json({"action": "echo", "payload": {"userName": "ann"}})
            assert await ws.receive_json() == {"action": "echoed", "payload": {"userName": "ann"}}
            assert await ws.receive_json() == {"action": "complete", "payload": None}
    async with WebsocketCommunicator(DefaultsConsumer, "/ws/") as ws:
        await ws.send_json({"action": "echo", "payload": {"user_name": "ann"}})
        assert await ws.receive_json() == {"action": "echoed", "payload": {"user_name": "ann"}}
        assert await ws.receive_nothing()


async def test_authenticator_class_from_a_dotted_path() -> None:
    with override_settings(CHANX={"authenticator_class": f"{__name__}.DenyAll"}):
        ws = WebsocketCommunicator(DefaultsConsumer, "/ws/")
        assert await ws.connect()
        frame = await ws.receive_json()
        assert frame["payload"]["status_code"] == 403
        assert await ws.wait_closed() == 4403
        await ws.disconnect()


def test_resolved_once_per_class_not_per_use(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[type] = []
    real = settings_module.apply_settings

    def spy(cls: type) -> None:
        calls.append(cls)
        real(cls)

    monkeypatch.setattr("chanx.channels.websocket.apply_settings", spy)
    with override_settings(CHANX={"log_websocket_message": True}):
        for _ in range(5):
            DefaultsConsumer.get_channel_layer()
            DefaultsConsumer()
    assert calls == [DefaultsConsumer]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"send_completions": True}, "send_completions: unknown key"),
        ({"send_completion": "yes"}, "send_completion: Input should be a valid boolean"),
        ({"max_message_size": 0}, "max_message_size: Input should be greater than 0"),
        ({"authenticator_class": "no.such.module.Auth"}, "authenticator_class"),
        ({"authenticator_class": "json.dumps"}, "authenticator_class: Input should be a type"),
        ({"authenticator_class": "json.JSONDecoder"}, "must be a BaseAuthenticator subclass"),
        (["send_completion"], "settings.CHANX must be a dict, got list"),
    ],
)
def test_invalid_settings_are_clear_errors(value: object, message: str) -> None:
    with override_settings(CHANX=value), pytest.raises(ImproperlyConfigured, match=message):
        chanx_settings()
    with override_settings(CHANX=value), pytest.raises(ImproperlyConfigured):
        DefaultsConsumer.get_channel_layer()


def test_upper_case_keys_are_accepted() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True}):
        assert chanx_settings().overrides() == {"send_completion": True}


def test_bad_settings_fail_at_start_up() -> None:
    """With ``chanx.channels`` installed, a wrong CHANX stops ``django.setup()``."""
    code = (
        "import django\nfrom django.conf import settings\n"
        "settings.CHANX = {'max_concurrent_handlers': 'many'}\n"
        "django.setup()\n"
    )
    result = subprocess.run(
        [PYTHON, "-c", code],
        env=subprocess_env(),
        cwd=EXAMPLE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: invalid settings.CHANX: max_concurrent_handlers" in result.stderr
    assert json.dumps("many") not in result.stderr.split("ImproperlyConfigured")[-1]


async def test_registry_rebuild_resolves_function_local_types() -> None:
    class LocalPing(BaseMessage):
        action: Literal["local_ping"] = "local_ping"

    class LocalPong(BaseMessage):
        action: Literal["local_pong"] = "local_pong"

    class LocalConsumer(AsyncJsonWebsocketConsumer):
        channel_layer_alias = None

        @ws_handler
        async def handle_local(self, message: LocalPing) -> LocalPong:
            return LocalPong()

    with override_settings(CHANX={"discriminator_field": "action", "camelize": True}):
        async with WebsocketCommunicator(LocalConsumer, "/ws/") as ws:
            await ws.send_json({"action": "local_ping"})
            assert await ws.receive_json() == {"action": "local_pong", "payload": None}


class Shout(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class LayeredConsumer(AsyncJsonWebsocketConsumer[Shout]):
    passthrough_events = [Shout]


async def test_groups_and_layer_alias_from_settings() -> None:
    layers = {"spare": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"}}
    chanx = {"groups": ["everyone"], "channel_layer_alias": "spare"}
    with override_settings(CHANNEL_LAYERS=layers, CHANX=chanx):
        spare = cast("InMemoryChannelLayer", get_channel_layer("spare"))
        async with WebsocketCommunicator(LayeredConsumer, "/ws/") as ws:
            deadline = asyncio.get_running_loop().time() + 5
            while not spare.group_members("everyone"):  # the handshake joins the group
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.005)
            await LayeredConsumer.broadcast_event(Shout(payload="hi all"))  # default groups
            assert await ws.receive_json() == {"action": "shout", "payload": "hi all"}
    LayeredConsumer.get_channel_layer()  # the next use re-resolves: the defaults are back
    assert (LayeredConsumer.groups, LayeredConsumer.channel_layer_alias) == ([], "default")


class CamelParent(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoedMessage:
        return EchoedMessage(payload=message.payload)


class CamelChild(CamelParent):
    passthrough_events = [Shout]


async def test_subclass_used_first_gets_a_rebuilt_registry_too() -> None:
    with override_settings(CHANX={"camelize": True, "passthrough_method_prefix": "fwd_"}):
        async with WebsocketCommunicator(CamelChild, "/ws/") as ws:
            await ws.send_json({"action": "echo", "payload": {"userName": "kid"}})
            assert await ws.receive_json() == {"action": "echoed", "payload": {"userName": "kid"}}
        assert [r.name for r in CamelChild.get_registry().event_routes] == ["fwd_shout"]
        async with WebsocketCommunicator(CamelParent, "/ws/") as ws:
            await ws.send_json({"action": "echo", "payload": {"userName": "pa"}})
            assert await ws.receive_json() == {"action": "echoed", "payload": {"userName": "pa"}}
