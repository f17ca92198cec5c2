"""``DjangoAuthenticator``: Django REST framework authentication and permissions for a WebSocket.

The handshake is presented to DRF as the ``GET`` request it started as, so the project's
existing ``authentication_classes`` (session, token, JWT...) and ``permission_classes`` apply to
WebSockets unchanged. With a ``queryset`` the object named by the URL is looked up and checked
with ``has_object_permission``, as a DRF detail view would. All of it runs in one
``database_sync_to_async`` call. DRF is the optional ``drf`` extra; it is imported only when an
authenticator runs.

Outcomes (the consumer closes with ``4000 + status``): 401 when credentials are missing,
invalid or expired, 403 when a permission refuses, 404 when the object does not exist, and
500 with a generic detail when something else fails (a database error, a bug); the
traceback goes to the server log, never to the client.

Cross-site WebSocket hijacking: browsers send cookies with cross-origin WebSocket handshakes
and CSRF checks do not apply to ``GET``. Wrap session-authenticated routes in Channels'
``AllowedHostsOriginValidator`` (or ``OriginValidator``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from chanx.channels._security import DRFSecuritySchemes
from chanx.channels.utils.request import request_from_scope
from chanx.core.authenticator import BaseAuthenticator

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.permissions import BasePermission
    from rest_framework.request import Request

__all__ = ["DjangoAuthenticator"]


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class DjangoAuthenticator(BaseAuthenticator):
    """Runs DRF authentication, permissions and an optional object lookup on the handshake.

    Configure it like a DRF view: ``authentication_classes`` and ``permission_classes``
    (``None`` means DRF's ``DEFAULT_*`` settings), and for object-level permission a
    ``queryset`` with ``lookup_field`` / ``lookup_url_kwarg``. After success, :attr:`user`,
    :attr:`obj` and :attr:`request` are set for ``post_authentication``.
    """

    #: DRF authentication classes; ``None`` uses ``DEFAULT_AUTHENTICATION_CLASSES``.
    authentication_classes: Sequence[type[BaseAuthentication]] | None = None
    #: DRF permission classes; ``None`` uses ``DEFAULT_PERMISSION_CLASSES``.
    permission_classes: Sequence[type[BasePermission]] | None = None
    #: Objects the URL may name; ``None`` disables the object lookup.
    queryset: QuerySet[Any] | None = None
    #: Model field matched against the URL argument.
    lookup_field: str = "pk"
    #: URL argument holding the lookup value; defaults to ``lookup_field``.
    lookup_url_kwarg: str | None = None
    #: AsyncAPI security schemes, derived from the DRF authentication classes (session,
    #: token, basic); assign a dict on a subclass to state them yourself.
    security_schemes = DRFSecuritySchemes()

    obj: Any
    request: Request | None

    def __init__(self, consumer: Any) -> None:
        super().__init__(consumer)
        self.obj = None
        self.request = None
        self.action = "retrieve"  # what DRF permissions that look at ``view.action`` see

    async def authenticate(self) -> bool:
        """Authenticate, check permissions and fetch the object (one worker-thread hop)."""
        try:
            await database_sync_to_async(self._authenticate_sync)()
        except _Refused as refused:
            self.status_code, self.detail = refused.status, refused.detail
            return False
        return True

    # -- the DRF "view" surface permissions may use ----------------------------------------
    def get_queryset(self) -> QuerySet[Any]:
        """A fresh copy of :attr:`queryset` (DRF's ``DjangoModelPermissions`` calls it)."""
        if self.queryset is None:
            raise AttributeError(f"{type(self).__qualname__} has no queryset")
        return self.queryset.all()

    def get_authenticators(self) -> list[BaseAuthentication]:
        """Instances of the authentication classes."""
        from rest_framework.settings import api_settings

        classes: Any = self.authentication_classes
        if classes is None:
            classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
        return [auth() for auth in classes]

    def get_permissions(self) -> list[BasePermission]:
        """Instances of the permission classes."""
        from rest_framework.settings import api_settings

        classes: Any = self.permission_classes
        if classes is None:
            classes = api_settings.DEFAULT_PERMISSION_CLASSES
        return [permission() for permission in classes]

    def get_object(self, request: Request) -> Model:
        """The object named by the URL argument, or a 404 refusal."""
        queryset = self.get_queryset()
        kwarg = self.lookup_url_kwarg or self.lookup_field
        params = self.path_params
        if kwarg not in params:
            raise LookupError(
                f"{type(self).__qualname__}: the route has no URL argument {kwarg!r} "
                f"(arguments: {sorted(params)}); set lookup_url_kwarg"
            )
        from django.core.exceptions import ValidationError

        try:
            return queryset.get(**{self.lookup_field: params[kwarg]})  # type: ignore[no-any-return]
        except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
            raise _Refused(404, "Not found.") from None

    # -- the sequence ------------------------------------------------------------------------
    def _authenticate_sync(self) -> None:
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
        from django.http import Http404
        from rest_framework import exceptions
        from rest_framework.request import Request

        request = Request(request_from_scope(self.scope), authenticators=self.get_authenticators())
        self.request = request
        try:
            permissions = self.get_permissions()
            for permission in permissions:
                if not permission.has_permission(request, self):  # type: ignore[arg-type]
                    self._deny(request, permission)
            if self.queryset is not None:
                obj = self.get_object(request)
                for permission in permissions:
                    if not permission.has_object_permission(request, self, obj):  # type: ignore[arg-type]
                        self._deny(request, permission)
                self.obj = obj
            self.user = request.user
        except exceptions.APIException as exc:
            detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
            raise _Refused(exc.status_code, str(detail)) from None
        except Http404:  # as DRF's exception handler maps them
            raise _Refused(404, str(exceptions.NotFound.default_detail)) from None
        except DjangoPermissionDenied:
            raise _Refused(403, str(exceptions.PermissionDenied.default_detail)) from None

    @staticmethod
    def _deny(request: Request, permission: BasePermission) -> None:
        from rest_framework import exceptions

        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated()
        raise exceptions.PermissionDenied(getattr(permission, "message", None))
