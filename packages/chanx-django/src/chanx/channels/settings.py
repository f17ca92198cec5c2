"""The ``CHANX`` Django setting: project-wide defaults of every consumer configuration attribute.

.. code-block:: python

    CHANX = {"send_completion": True, "log_websocket_message": True, "camelize": False}

Keys are the consumer attribute names (upper-case spellings are accepted too). The dict is
validated once, by a Pydantic model that forbids unknown keys and coerces nothing surprising
(``"yes"`` is not a bool), and applied once per consumer class, the first time the class
serves a connection or sends an event; it is never consulted per message. A class attribute
set explicitly on a consumer (or on one of its own base classes or mixins) wins over the
setting. Django's ``setting_changed`` signal (``override_settings`` in tests) re-applies it.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from pydantic import BaseModel, ConfigDict, Field, ImportString, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ChanxSettings", "apply_settings", "chanx_settings", "settings_epoch"]


class ChanxSettings(BaseModel):
    """Schema of the ``CHANX`` setting; every field is optional and defaults to the class's."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    send_completion: bool | None = None
    send_message_immediately: bool | None = None
    log_websocket_message: bool | None = None
    log_ignored_actions: list[str] | tuple[str, ...] | None = None
    camelize: bool | None = None
    discriminator_field: str | None = Field(default=None, min_length=1)
    channel_layer_alias: str | None = None
    authenticator_class: ImportString[type[Any]] | None = None
    groups: list[str] | tuple[str, ...] | None = None
    passthrough_method_prefix: str | None = Field(default=None, min_length=1)
    max_message_size: int | None = Field(default=None, gt=0)
    max_concurrent_handlers: int | None = Field(default=None, gt=0)
    handler_timeout: float | None = Field(default=None, gt=0)
    close_old_connections: bool | None = None

    def overrides(self) -> dict[str, Any]:
        """The keys the project actually set, with their validated values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


_lock = threading.Lock()
_cached: ChanxSettings | None = None
_epoch = 0
_applied: weakref.WeakKeyDictionary[type, tuple[int, frozenset[str]]] = weakref.WeakKeyDictionary()


def _validate(raw: Any) -> ChanxSettings:
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"settings.CHANX must be a dict, got {type(raw).__name__}")
    data = {str(key).lower(): value for key, value in raw.items()}
    try:
        result = ChanxSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: "
            + ("unknown key" if err["type"] == "extra_forbidden" else err["msg"])
            for err in exc.errors(include_input=False)
        )
        raise ImproperlyConfigured(f"invalid settings.CHANX: {problems}") from None
    authenticator = result.authenticator_class
    if authenticator is not None:
        from chanx.core.authenticator import BaseAuthenticator

        if not (isinstance(authenticator, type) and issubclass(authenticator, BaseAuthenticator)):
            raise ImproperlyConfigured(
                "invalid settings.CHANX: authenticator_class must be a BaseAuthenticator "
                f"subclass, got {authenticator!r}"
            )
    return result


def chanx_settings() -> ChanxSettings:
    """The validated ``CHANX`` setting (empty when Django is not configured or it is absent).

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
    """Counter bumped whenever ``CHANX`` changes; classes re-apply it when theirs is older."""
    return _epoch


def _is_default_holder(klass: type) -> bool:
    """Classes whose attributes are defaults (chanx's and Channels' own), not user choices."""
    module = klass.__module__
    return (
        klass is object
        or module.startswith(("chanx.core.", "chanx.channels.", "channels."))
        or module in {"typing", "builtins"}
    )


def _explicit(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        if name not in vars(klass):
            continue
        state = _applied.get(klass)
        if state is not None and name in state[1]:
            continue  # a value we applied from CHANX, not a choice made in code
        return not _is_default_holder(klass)
    return False


def _bases(cls: type) -> Iterator[type]:
    for klass in reversed(cls.__mro__[1:]):
        if hasattr(klass, "get_registry") and not _is_default_holder(klass):
            yield klass


def apply_settings(cls: type) -> None:
    """Apply ``CHANX`` defaults to consumer class ``cls`` (and its consumer bases) once.

    Attributes explicitly set in code are left alone; values applied earlier are withdrawn
    first, so a changed setting (``override_settings``) fully replaces the old one.
    """
    epoch = _epoch
    state = _applied.get(cls)
    if state is not None and state[0] == epoch:
        return
    overrides = chanx_settings().overrides()
    for base in _bases(cls):
        if _applied.get(base, (None,))[0] != epoch:
            apply_settings(base)
    with _lock:
        previous = state[1] if state is not None else frozenset()
        for name in previous:
            if name in vars(cls):
                delattr(cls, name)
        applied = set()
        for name, value in overrides.items():
            if not _explicit(cls, name):
                setattr(cls, name, list(value) if isinstance(value, (list, tuple)) else value)
                applied.add(name)
        _applied[cls] = (epoch, frozenset(applied))
        if applied or previous:
            cls.rebuild_registry()  # type: ignore[attr-defined]


def _on_setting_changed(*, setting: str, **_kwargs: Any) -> None:
    global _cached, _epoch
    if setting == "CHANX":
        with _lock:
            _cached = None
            _epoch += 1


setting_changed.connect(_on_setting_changed, dispatch_uid="chanx.channels.settings")
