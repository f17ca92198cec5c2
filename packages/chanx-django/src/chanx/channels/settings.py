"""The ``CHANX`` Django setting and :data:`chanx_settings`, its live, validated view.

.. code-block:: python

    CHANX = {"SEND_COMPLETION": True, "CAMELIZE": False, "LOG_IGNORED_ACTIONS": ["ping"]}

Keys are upper-case (lower-case spellings are accepted too). Read them as attributes of
:data:`chanx_settings` (``chanx_settings.SEND_COMPLETION``): an unset key gives its default, an
undefined name raises ``AttributeError``. The dict is validated by a Pydantic model that
forbids unknown keys (the error names the closest valid key) and coerces nothing surprising
(``"yes"`` is not a bool). Validation runs once, and again after Django's ``setting_changed``
signal (``override_settings`` in tests); it never runs per message.

The consumer-attribute keys (``SEND_COMPLETION``, ``CAMELIZE``, ``MAX_MESSAGE_SIZE``...) become
the class attributes of chanx-django's own consumer base class, so a consumer (or one of its
bases or mixins) that sets the attribute itself wins by ordinary inheritance; see
:mod:`chanx.channels.websocket`.
"""

from __future__ import annotations

import difflib
import threading
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from pydantic import BaseModel, ConfigDict, Field, ImportString, ValidationError

from chanx.core.consumer import ChanxConsumer
from chanx.core.outage_buffer import DEFAULT_MAX_AGE, DEFAULT_MAX_ITEMS

__all__ = [
    "CONSUMER_KEYS",
    "ChanxSettings",
    "chanx_settings",
    "get_chanx_settings",
    "merge_setting",
    "settings_epoch",
]

_core = ChanxConsumer


class ChanxSettings(BaseModel):
    """Schema and defaults of the ``CHANX`` setting (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    # -- consumer defaults (class attributes of every chanx-django consumer) -----------------
    #: ``{"action": "complete"}`` after each client frame.
    SEND_COMPLETION: bool = _core.send_completion
    #: Yield to the event loop after each frame sent.
    SEND_MESSAGE_IMMEDIATELY: bool = _core.send_message_immediately
    #: Log each received frame's action.
    LOG_WEBSOCKET_MESSAGE: bool = _core.log_websocket_message
    #: Actions never logged.
    LOG_IGNORED_ACTIONS: list[str] | tuple[str, ...] = list(_core.log_ignored_actions)
    #: snake_case models, camelCase keys on the wire.
    CAMELIZE: bool = _core.camelize
    #: The field whose value routes a frame (``MESSAGE_ACTION_KEY`` is the same setting).
    DISCRIMINATOR_FIELD: str = Field(default=_core.discriminator_field, min_length=1)
    #: Entry of ``CHANNEL_LAYERS``; ``None`` disables the layer.
    CHANNEL_LAYER_ALIAS: str | None = _core.channel_layer_alias
    #: Authenticator class (or its dotted path) of consumers that set none.
    AUTHENTICATOR_CLASS: ImportString[type[Any]] | None = None
    #: Groups joined after authentication.
    GROUPS: list[str] | tuple[str, ...] = list(_core.groups)
    #: Name prefix of generated passthrough handlers.
    PASSTHROUGH_METHOD_PREFIX: str = Field(default=_core.passthrough_method_prefix, min_length=1)
    #: Largest accepted client frame, in characters.
    MAX_MESSAGE_SIZE: int = Field(default=_core.max_message_size, gt=0)
    #: Frames of one connection handled at once.
    MAX_CONCURRENT_HANDLERS: int = Field(default=_core.max_concurrent_handlers, gt=0)
    #: Seconds a handler may run; ``None``: no limit.
    HANDLER_TIMEOUT: float | None = Field(default=_core.handler_timeout, gt=0)
    #: Await ``aclose_old_connections()`` before each frame and event, as Channels does.
    CLOSE_OLD_CONNECTIONS: bool = False
    #: Close connections with 1012 after their running handler on SIGTERM (graceful deploys).
    GRACEFUL_SHUTDOWN: bool = _core.graceful_shutdown
    #: Seconds a graceful shutdown waits for a connection's running handlers.
    SHUTDOWN_TIMEOUT: float = Field(default=_core.shutdown_timeout, gt=0)

    # -- the outage buffer of the channel layers (chanx.core.outage_buffer) -----------------
    #: Seconds a layer send waits for Redis during an outage before it is dropped (0: off).
    OUTAGE_MAX_AGE: float = Field(default=DEFAULT_MAX_AGE, ge=0)
    #: Layer sends one layer's outage buffer holds at most.
    OUTAGE_MAX_ITEMS: int = Field(default=DEFAULT_MAX_ITEMS, gt=0)

    # -- project-wide switches ----------------------------------------------------------------
    #: ``DjangoAuthenticator`` sends the ``authentication`` frame (success and failure).
    SEND_AUTHENTICATION_MESSAGE: bool = True
    #: Base URL of the WebSocket routes in generated AsyncAPI documents.
    WEBSOCKET_BASE_URL: str | None = None
    ASYNCAPI_TITLE: str = "AsyncAPI Documentation"
    ASYNCAPI_DESCRIPTION: str = ""
    ASYNCAPI_VERSION: str = "1.0.0"
    ASYNCAPI_SERVER_URL: str | None = None
    ASYNCAPI_SERVER_PROTOCOL: str | None = None
    ASYNCAPI_SERVERS: dict[str, dict[str, Any]] | None = None
    ASYNCAPI_SECURITY_SCHEMES: dict[str, dict[str, Any]] | None = None
    ASYNCAPI_DOCS_JS_URL: str | None = None
    ASYNCAPI_DOCS_CSS_URL: str | None = None
    ASYNCAPI_DOCS_JS_INTEGRITY: str | None = None
    ASYNCAPI_DOCS_CSS_INTEGRITY: str | None = None
    #: Accepted so projects that copied it from a chanx 2.x docs example start; no effect.
    ASYNCAPI_CAMELIZE: bool | None = None

    @property
    def MESSAGE_ACTION_KEY(self) -> str:
        """chanx 2.x's name of :attr:`DISCRIMINATOR_FIELD`."""
        return self.DISCRIMINATOR_FIELD

    def overrides(self) -> dict[str, Any]:
        """The keys the project actually set, with their validated values."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}

    def consumer_defaults(self) -> dict[str, Any]:
        """Consumer attribute name -> value, for every consumer-attribute key."""
        return {name.lower(): _copy(getattr(self, name)) for name in CONSUMER_KEYS}


#: The keys that are consumer class attributes (the attribute is the lower-case key).
CONSUMER_KEYS: tuple[str, ...] = (
    "SEND_COMPLETION",
    "SEND_MESSAGE_IMMEDIATELY",
    "LOG_WEBSOCKET_MESSAGE",
    "LOG_IGNORED_ACTIONS",
    "CAMELIZE",
    "DISCRIMINATOR_FIELD",
    "CHANNEL_LAYER_ALIAS",
    "AUTHENTICATOR_CLASS",
    "GROUPS",
    "PASSTHROUGH_METHOD_PREFIX",
    "MAX_MESSAGE_SIZE",
    "MAX_CONCURRENT_HANDLERS",
    "HANDLER_TIMEOUT",
    "CLOSE_OLD_CONNECTIONS",
    "GRACEFUL_SHUTDOWN",
    "SHUTDOWN_TIMEOUT",
)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


_ALIASES = {"MESSAGE_ACTION_KEY": "DISCRIMINATOR_FIELD"}
_KNOWN = (*ChanxSettings.model_fields, *_ALIASES)


def _normalise(raw: dict[Any, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    given: dict[str, str] = {}
    for key, value in raw.items():
        name = str(key).upper()
        name = _ALIASES.get(name, name)
        if name in data:
            raise ImproperlyConfigured(
                f"invalid settings.CHANX: {key!r} and {given[name]!r} set the same key; keep one"
            )
        data[name], given[name] = value, str(key)
    return data


def merge_setting(current: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """``current`` (a ``CHANX`` dict) with ``changes`` applied, keys in their canonical spelling."""
    merged = _normalise(current) if isinstance(current, dict) else {}
    merged.update(_normalise(changes))
    return merged


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key.upper(), _KNOWN, n=1)
    return f"unknown key (did you mean {close[0]!r}?)" if close else "unknown key"


def _validate(raw: Any) -> ChanxSettings:
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"settings.CHANX must be a dict, got {type(raw).__name__}")
    data = _normalise(raw)
    try:
        result = ChanxSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: "
            + (_unknown(str(err["loc"][0])) if err["type"] == "extra_forbidden" else err["msg"])
            for err in exc.errors(include_input=False)
        )
        raise ImproperlyConfigured(f"invalid settings.CHANX: {problems}") from None
    authenticator = result.AUTHENTICATOR_CLASS
    if authenticator is not None:
        from chanx.core.authenticator import BaseAuthenticator

        if not (isinstance(authenticator, type) and issubclass(authenticator, BaseAuthenticator)):
            raise ImproperlyConfigured(
                "invalid settings.CHANX: AUTHENTICATOR_CLASS must be a BaseAuthenticator "
                f"subclass, got {authenticator!r}"
            )
    return result


_lock = threading.Lock()
_cached: ChanxSettings | None = None
_epoch = 0


def get_chanx_settings() -> ChanxSettings:
    """The validated ``CHANX`` setting (defaults when Django is not configured or it is absent).

    Raises:
        ImproperlyConfigured: on unknown keys or values of the wrong type.
    """
    global _cached
    cached = _cached
    if cached is not None:
        return cached
    from django.conf import settings

    raw = getattr(settings, "CHANX", {}) if settings.configured else {}
    result = _validate(raw or {})
    with _lock:
        _cached = result
    return result


def settings_epoch() -> int:
    """Counter bumped whenever ``CHANX`` changes (consumers re-apply it when theirs is older)."""
    return _epoch


class _LiveSettings:
    """Attribute view of the current ``CHANX`` values; stays current after ``setting_changed``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(get_chanx_settings(), name)

    def __dir__(self) -> list[str]:
        return sorted(_KNOWN)

    def __repr__(self) -> str:
        return f"<chanx_settings {get_chanx_settings().overrides()!r}>"


#: The ``CHANX`` setting by upper-case key: ``chanx_settings.SEND_COMPLETION``. Always
#: current (one object; it reads the validated setting of the moment).
chanx_settings: ChanxSettings = cast("ChanxSettings", _LiveSettings())


def _on_setting_changed(*, setting: str, **_kwargs: Any) -> None:
    global _cached, _epoch
    if setting == "CHANX":
        with _lock:
            _cached = None
            _epoch += 1


setting_changed.connect(_on_setting_changed, dispatch_uid="chanx.channels.settings")
