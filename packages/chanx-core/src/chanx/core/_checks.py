"""Mistakes in a consumer class definition, caught when the class is created."""

from __future__ import annotations

import inspect
import typing
import warnings
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from chanx.core.decorators import HANDLER_ATTR

__all__ = ["check_consumer_class"]


def check_consumer_class(
    cls: type, core: type, mixin_base: type, refused: Mapping[str, str]
) -> None:
    """Refuse overrides that would never run and mixins that come too late; warn on lookalikes.

    Args:
        cls: the new consumer class.
        core: the core consumer class (whose hooks a late mixin's would lose to).
        mixin_base: the base class of consumer mixins.
        refused: framework hook names the consumer never calls, with what to do instead.
    """
    for name, advice in refused.items():
        if name in vars(cls):
            raise TypeError(f"{cls.__qualname__}.{name}() would never be called: {advice}")
    mro = cls.__mro__
    if core in mro:
        for late in mro[mro.index(core) + 1 :]:
            if (issubclass(late, mixin_base) and late is not mixin_base) or _declares_handlers(
                late
            ):
                raise TypeError(
                    f"{cls.__qualname__}: {late.__qualname__} comes after {core.__qualname__} "
                    f"in the method resolution order, so its hooks would never run; list "
                    f"{late.__qualname__} before the consumer base class in the bases of "
                    f"{cls.__qualname__}"
                )
    _warn_undecorated(cls)


def _declares_handlers(klass: type) -> bool:
    return any(hasattr(value, HANDLER_ATTR) for value in vars(klass).values())


def _overrides(cls: type, name: str) -> bool:
    return any(name in vars(base) for base in cls.__mro__[1:])


def _warn_undecorated(cls: type) -> None:
    """Warn about public methods that take a message but carry no handler decorator."""
    for name, attr in vars(cls).items():
        if name.startswith("_") or not inspect.iscoroutinefunction(attr):
            continue
        if hasattr(attr, HANDLER_ATTR) or _overrides(cls, name):
            continue  # a handler, or an override of an inherited method (a handler or a hook)
        params = list(inspect.signature(attr).parameters.values())[1:]
        if len(params) != 1 or params[0].annotation is inspect.Parameter.empty:
            continue
        try:
            hint: Any = typing.get_type_hints(attr).get(params[0].name)
        except Exception:
            continue  # unresolvable annotations are the registry's business
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            warnings.warn(
                f"{cls.__qualname__}.{name}() takes a {hint.__name__} but has no @ws_handler "
                "or @event_handler decorator, so no frame or event reaches it; decorate it, or "
                "rename it with a leading underscore if it is a helper",
                UserWarning,
                stacklevel=4,
            )
