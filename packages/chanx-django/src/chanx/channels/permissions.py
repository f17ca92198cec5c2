"""DRF permission classes as per-handler permissions: ``@ws_handler(permission_classes=[...])``.

On Django a handler's ``permission_classes`` may list DRF permissions
(``rest_framework.permissions.BasePermission`` subclasses, instances, or compositions such as
``IsAuthenticated & IsAdminUser``) beside chanx's own. Each frame's check calls
``has_permission(request, view)`` in a worker thread (it may query the database), where
``request`` is the handshake as a Django request with the connection's user and ``view`` is the
consumer (so ``view.kwargs`` are the route's URL arguments, as in a DRF view). A refusal sends
the permission's ``message``.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from chanx.channels.utils.request import request_from_scope
from chanx.core.permissions import DENIED, PermissionCheck, compile_permission

__all__ = ["compile_django_permission", "is_drf_permission"]


def is_drf_permission(permission: Any) -> bool:
    """Whether ``permission`` is a DRF permission class, instance or composition."""
    try:
        from rest_framework.permissions import BasePermission, OperationHolderMixin
    except ImportError:  # DRF is an optional extra
        return False
    if isinstance(permission, type):
        return issubclass(permission, BasePermission)
    return isinstance(permission, BasePermission | OperationHolderMixin)


def _drf_check(instance: Any, consumer: Any) -> bool:
    request = request_from_scope(consumer.scope, "GET")
    if consumer.user is not None:
        request.user = consumer.user
    consumer.kwargs = consumer.url_params  # DRF permissions read view.kwargs
    consumer.args = ()
    return bool(instance.has_permission(request, consumer))


def compile_django_permission(permission: Any, where: str) -> PermissionCheck:
    """A DRF permission compiled for chanx; anything else goes to the core's compiler."""
    if not is_drf_permission(permission):
        return compile_permission(permission, where)
    instance = permission() if isinstance(permission, type) else permission
    name = getattr(permission, "__qualname__", type(permission).__qualname__)
    check_sync = database_sync_to_async(_drf_check)

    async def check(consumer: Any, message: Any) -> bool:
        return bool(await check_sync(instance, consumer))

    message = getattr(instance, "message", None)
    return PermissionCheck(name, check, str(message) if message else DENIED)
