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
from chanx.channels.settings import chanx_settings, get_chanx_settings
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
        await ws.assert_closed(4403)
        await ws.disconnect()


def test_settings_are_applied_to_the_base_class_not_to_user_classes() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "GROUPS": ["all"]}):
        assert config(DefaultsConsumer) == (True, 1_048_576)
        assert AsyncJsonWebsocketConsumer.send_completion is True
        assert AsyncJsonWebsocketConsumer.groups == ["all"]
        for cls in (DefaultsConsumer, ExplicitConsumer, ChildOfDefaults):
            assert "send_completion" not in vars(cls) or cls is ExplicitConsumer
            assert "groups" not in vars(cls)


class CompletionMixin:
    send_completion = False


class MixedConsumer(CompletionMixin, DefaultsConsumer):
    pass


def test_a_mixin_attribute_wins_over_the_setting() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True}):
        assert config(MixedConsumer) == (False, 1_048_576)


def test_resolved_once_per_change_not_per_use(monkeypatch: pytest.MonkeyPatch) -> None:
    validations: list[object] = []
    rebuilds: list[type] = []
    real_get = settings_module.get_chanx_settings

    def spy_get() -> settings_module.ChanxSettings:
        validations.append(object())
        return real_get()

    real_rebuild = DefaultsConsumer.rebuild_registry.__func__  # type: ignore[attr-defined]

    def spy_rebuild(cls: type) -> object:
        rebuilds.append(cls)
        return real_rebuild(cls)

    DefaultsConsumer.get_channel_layer()  # up to date with the current setting
    monkeypatch.setattr("chanx.channels.websocket.get_chanx_settings", spy_get)
    monkeypatch.setattr(AsyncJsonWebsocketConsumer, "rebuild_registry", classmethod(spy_rebuild))
    logging = {"LOG_WEBSOCKET_MESSAGE": True, "LOG_IGNORED_ACTIONS": ["ping", "pong"]}
    with override_settings(CHANX=logging):
        for _ in range(5):
            DefaultsConsumer.get_channel_layer()
            DefaultsConsumer()
        assert len(validations) == 1
        assert rebuilds == []  # nothing the routing table is compiled from changed
    validations.clear()
    with override_settings(CHANX={"CAMELIZE": True, "LOG_IGNORED_ACTIONS": ["ping", "pong"]}):
        for _ in range(5):
            DefaultsConsumer.get_registry()
            DefaultsConsumer()
        assert len(validations) == 1
        assert rebuilds == [DefaultsConsumer]
        assert DefaultsConsumer.get_registry().camelize is True
    assert DefaultsConsumer.get_registry().camelize is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"send_completions": True},
            "SEND_COMPLETIONS: unknown key \\(did you mean 'SEND_COMPLETION'",
        ),
        ({"SEND_AUTH_MESSAGE": True}, "did you mean 'SEND_AUTHENTICATION_MESSAGE'"),
        ({"xyzzy": True}, "XYZZY: unknown key$"),
        ({"send_completion": "yes"}, "SEND_COMPLETION: Input should be a valid boolean"),
        ({"max_message_size": 0}, "MAX_MESSAGE_SIZE: Input should be greater than 0"),
        ({"max_concurrent_handlers": 0}, "MAX_CONCURRENT_HANDLERS: Input should be greater"),
        ({"handler_timeout": 0.0}, "HANDLER_TIMEOUT: Input should be greater than 0"),
        ({"shutdown_timeout": 0.0}, "SHUTDOWN_TIMEOUT: Input should be greater than 0"),
        ({"outage_max_age": -1.0}, "OUTAGE_MAX_AGE: Input should be greater than or equal"),
        ({"outage_max_items": 0}, "OUTAGE_MAX_ITEMS: Input should be greater than 0"),
        ({"discriminator_field": ""}, "DISCRIMINATOR_FIELD: String should have at least 1"),
        ({"passthrough_method_prefix": ""}, "PASSTHROUGH_METHOD_PREFIX: String should have"),
        ({"authenticator_class": "no.such.module.Auth"}, "AUTHENTICATOR_CLASS"),
        ({"authenticator_class": "json.dumps"}, "AUTHENTICATOR_CLASS: Input should be a type"),
        ({"authenticator_class": "json.JSONDecoder"}, "must be a BaseAuthenticator subclass"),
        ({"camelize": True, "CAMELIZE": False}, "'CAMELIZE' and 'camelize' set the same key"),
        ({"MESSAGE_ACTION_KEY": "kind", "DISCRIMINATOR_FIELD": "kind"}, "set the same key"),
        (["send_completion"], "settings.CHANX must be a dict, got list"),
    ],
)
def test_invalid_settings_are_clear_errors(value: object, message: str) -> None:
    with override_settings(CHANX=value), pytest.raises(ImproperlyConfigured, match=message):
        get_chanx_settings()
    with override_settings(CHANX=value), pytest.raises(ImproperlyConfigured, match=message):
        chanx_settings.SEND_COMPLETION  # noqa: B018
    with override_settings(CHANX=value), pytest.raises(ImproperlyConfigured):
        DefaultsConsumer.get_channel_layer()


def test_upper_and_lower_case_keys_are_the_same_setting() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "camelize": True}):
        assert chanx_settings.overrides() == {"CAMELIZE": True, "SEND_COMPLETION": True}
        assert (chanx_settings.SEND_COMPLETION, chanx_settings.CAMELIZE) == (True, True)


def test_chanx_settings_gives_documented_defaults_and_stays_current() -> None:
    assert chanx_settings.SEND_COMPLETION is False
    assert chanx_settings.SEND_AUTHENTICATION_MESSAGE is True
    assert chanx_settings.CAMELIZE is False
    assert chanx_settings.MESSAGE_ACTION_KEY == "action"
    assert chanx_settings.LOG_WEBSOCKET_MESSAGE is False
    assert chanx_settings.LOG_IGNORED_ACTIONS == ["ping", "pong"]  # the example project's
    assert chanx_settings.WEBSOCKET_BASE_URL is None
    assert chanx_settings.ASYNCAPI_TITLE == "AsyncAPI Documentation"
    assert chanx_settings.ASYNCAPI_DESCRIPTION == ""
    assert chanx_settings.ASYNCAPI_VERSION == "1.0.0"
    for key in ("SERVER_URL", "SERVER_PROTOCOL", "SERVERS", "SECURITY_SCHEMES"):
        assert getattr(chanx_settings, f"ASYNCAPI_{key}") is None
    for key in ("JS_URL", "CSS_URL", "JS_INTEGRITY", "CSS_INTEGRITY"):
        assert getattr(chanx_settings, f"ASYNCAPI_DOCS_{key}") is None
    with override_settings(CHANX={"ASYNCAPI_TITLE": "Shop", "SEND_AUTHENTICATION_MESSAGE": False}):
        # the same object, the new values
        assert getattr(chanx_settings, "ASYNCAPI_TITLE") == "Shop"  # noqa: B009
        assert getattr(chanx_settings, "SEND_AUTHENTICATION_MESSAGE") is False  # noqa: B009
    assert chanx_settings.ASYNCAPI_TITLE == "AsyncAPI Documentation"
    with pytest.raises(AttributeError):
        chanx_settings.NO_SUCH_SETTING  # type: ignore[attr-defined]  # noqa: B018


def test_every_documented_key_is_accepted() -> None:
    documented = {
        "MESSAGE_ACTION_KEY": "action",
        "SEND_COMPLETION": True,
        "SEND_MESSAGE_IMMEDIATELY": True,
        "SEND_AUTHENTICATION_MESSAGE": False,
        "CAMELIZE": False,
        "LOG_WEBSOCKET_MESSAGE": True,
        "LOG_IGNORED_ACTIONS": ["ping"],
        "WEBSOCKET_BASE_URL": "wss://example.com",
        "ASYNCAPI_TITLE": "T",
        "ASYNCAPI_DESCRIPTION": "D",
        "ASYNCAPI_VERSION": "2.0.0",
        "ASYNCAPI_SERVER_URL": "example.com",
        "ASYNCAPI_SERVER_PROTOCOL": "wss",
        "ASYNCAPI_SERVERS": {"prod": {"host": "example.com", "protocol": "wss"}},
        "ASYNCAPI_SECURITY_SCHEMES": {"token": {"type": "httpApiKey", "in": "query"}},
        "ASYNCAPI_DOCS_JS_URL": "/static/a.js",
        "ASYNCAPI_DOCS_CSS_URL": "https://cdn.example/a.css",
        "ASYNCAPI_DOCS_JS_INTEGRITY": "sha384-x",
        "ASYNCAPI_DOCS_CSS_INTEGRITY": "sha384-y",
        "ASYNCAPI_CAMELIZE": True,
    }
    with override_settings(CHANX=documented):
        for key, value in documented.items():
            assert getattr(chanx_settings, key) == value, key


async def test_message_action_key_is_the_discriminator_field() -> None:
    class KindEcho(BaseModel):
        kind: Literal["echo"] = "echo"
        payload: EchoPayload

    with override_settings(CHANX={"MESSAGE_ACTION_KEY": "kind"}):
        # defined while the setting is active, like a project's consumers
        class KindConsumer(AsyncJsonWebsocketConsumer):
            channel_layer_alias = None

            @ws_handler
            async def handle_echo(self, message: KindEcho) -> KindEcho:
                return message

        assert chanx_settings.DISCRIMINATOR_FIELD == "kind"
        assert KindConsumer.get_registry().discriminator_field == "kind"
        async with WebsocketCommunicator(KindConsumer, "/ws/") as ws:
            await ws.send_json({"kind": "echo", "payload": {"user_name": "k"}})
            assert await ws.receive_json() == {"kind": "echo", "payload": {"user_name": "k"}}
            await ws.send_json({"kind": "shout", "payload": {"user_name": "k"}})
            assert "error" in (await ws.receive_json()).values()


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
    assert "ImproperlyConfigured: invalid settings.CHANX: MAX_CONCURRENT_HANDLERS" in result.stderr
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


def test_outage_buffer_bounds_come_from_chanx() -> None:
    from chanx.channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.core.outage_buffer import DEFAULT_MAX_AGE, DEFAULT_MAX_ITEMS, outage_buffer

    class Plain(AsyncJsonWebsocketConsumer):
        pass

    with override_settings(CHANX={"OUTAGE_MAX_AGE": 3.5, "OUTAGE_MAX_ITEMS": 50}):
        layer = Plain.get_channel_layer()
        assert layer is not None
        buffer = outage_buffer(layer)
        assert (buffer.max_age, buffer.max_items) == (3.5, 50)
    with override_settings(CHANX={"OUTAGE_MAX_ITEMS": DEFAULT_MAX_ITEMS}):
        assert Plain.get_channel_layer() is layer
        assert (buffer.max_age, buffer.max_items) == (3.5, DEFAULT_MAX_ITEMS)
    with override_settings(CHANX={"OUTAGE_MAX_AGE": DEFAULT_MAX_AGE}):
        Plain.get_channel_layer()
        assert buffer.max_age == DEFAULT_MAX_AGE
    with (
        pytest.raises(ImproperlyConfigured, match="OUTAGE_MAX_AGE"),
        override_settings(CHANX={"OUTAGE_MAX_AGE": -1}),
    ):
        Plain.get_channel_layer()
