"""Per-handler permissions: ``@ws_handler(permission_classes=[...])``.

A permission runs after the frame validated and before its handler; when one refuses, the
client gets ``{"action": "error", "payload": {"detail": <the permission's message>}}`` (with
the frame's ``ref``), the handler never runs and the connection stays open. A permission that
raises refuses too (fail closed; the exception goes to the log).

A permission is a :class:`BasePermission` subclass (or instance), or a plain callable
``(consumer, message) -> bool`` (sync or async). Bindings may accept more: the Django binding
takes DRF permission classes (``has_permission(request, view)``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

__all__ = ["DENIED", "BasePermission", "PermissionCheck", "compile_permission"]

#: The refusal text when a permission does not say its own.
DENIED = "You do not have permission to perform this action."


class BasePermission:
    """Base of chanx permissions; override :meth:`has_permission` (sync or async)."""

    #: Sent to the client as the refusal's ``detail``; keep secrets and client input out.
    message: str = DENIED

    def has_permission(self, consumer: Any, message: BaseModel) -> bool | Awaitable[bool]:
        """True when ``consumer``'s connection may have ``message`` handled."""
        return True


@dataclass(frozen=True, slots=True)
class PermissionCheck:
    """A permission compiled once per consumer class: its check and its refusal text."""

    name: str
    check: Callable[[Any, BaseModel], Awaitable[bool]]
    message: str = DENIED


def _awaitable(
    func: Callable[[Any, BaseModel], Any],
) -> Callable[[Any, BaseModel], Awaitable[bool]]:
    async def check(consumer: Any, message: BaseModel) -> bool:
        result = func(consumer, message)
        if inspect.isawaitable(result):
            result = await result
        return bool(result)

    return check


def compile_permission(permission: Any, where: str) -> PermissionCheck:
    """Turn one entry of ``permission_classes`` into a :class:`PermissionCheck`.

    Raises:
        TypeError: for anything that is neither a :class:`BasePermission` nor a callable
            ``(consumer, message)``; ``where`` names the handler in the message.
    """
    if isinstance(permission, type) and issubclass(permission, BasePermission):
        permission = permission()
    if isinstance(permission, BasePermission):
        name = type(permission).__qualname__
        return PermissionCheck(name, _awaitable(permission.has_permission), permission.message)
    if callable(permission) and not isinstance(permission, type):
        name = getattr(permission, "__qualname__", repr(permission))
        return PermissionCheck(name, _awaitable(permission))
    raise TypeError(
        f"{where}: permission_classes takes BasePermission subclasses or callables "
        f"(consumer, message) -> bool, got {permission!r}"
    )
