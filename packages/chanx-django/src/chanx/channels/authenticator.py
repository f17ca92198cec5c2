"""``DjangoAuthenticator``: Django REST framework authentication and permissions for a WebSocket.

The handshake is dispatched through a real DRF view
(:class:`~chanx.channels.auth_view.ChanxAuthView` unless ``auth_view_class`` names another)
on the request it started as, so the project's ``authentication_classes`` (session, token,
JWT...), ``permission_classes``, throttles, object lookup and object permissions apply to
WebSockets exactly as to a DRF detail view. The view's ``args``/``kwargs`` are the WebSocket
route's URL arguments. It all runs in one ``database_sync_to_async`` call. DRF is the
optional ``drf`` extra, imported only when an authenticator runs.

Outcome: the DRF response's status. 200 authenticates; otherwise the consumer closes with
``4000 + status`` (4401 for DRF's 401, 4403 for 403, 4404 when the object does not exist); an
unexpected exception (a database error, a bug) is 4500 with a generic detail, its traceback
in the server log only. With ``SEND_AUTHENTICATION_MESSAGE`` (the default) the client gets an
``authentication`` frame first, on success and on failure, carrying the DRF response body.

Cross-site WebSocket hijacking: browsers send cookies with cross-origin WebSocket handshakes
and CSRF checks do not apply to ``GET``. Wrap session-authenticated routes in Channels'
``AllowedHostsOriginValidator`` (or ``OriginValidator``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from channels.db import database_sync_to_async
from chanx.channels._security import DRFSecuritySchemes
from chanx.channels.settings import chanx_settings
from chanx.channels.utils.request import request_from_scope
from chanx.core.authenticator import BaseAuthenticator, status_text

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from pydantic import BaseModel
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.generics import GenericAPIView
    from rest_framework.permissions import BasePermission

    from chanx.channels.auth_view import AuthActionInterceptMixin as AuthActionInterceptMixin
    from chanx.channels.auth_view import ChanxAuthView as ChanxAuthView
    from chanx.channels.auth_view import ChanxSerializer as ChanxSerializer
    from chanx.core.types import Scope

__all__ = ["DjangoAuthenticator"]

logger = logging.getLogger("chanx.channels.authenticator")

_VIEW_ATTRIBUTES = (
    "authentication_classes",
    "permission_classes",
    "queryset",
    "lookup_field",
    "lookup_url_kwarg",
)
_FAILED = {"detail": "Authentication could not complete"}
_METHODS = ("get", "post", "put", "patch", "delete", "options")


def __getattr__(name: str) -> Any:
    # The DRF view classes are importable from here (where chanx 2.x has them) without
    # making DRF a requirement of importing this module.
    if name in ("AuthActionInterceptMixin", "ChanxAuthView", "ChanxSerializer"):
        from chanx.channels import auth_view

        return getattr(auth_view, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _DefaultView:
    """Class-level default of ``auth_view_class``: ``ChanxAuthView``, imported when first read."""

    def __get__(self, instance: object, owner: type) -> type[GenericAPIView[Any]]:
        from chanx.channels.auth_view import ChanxAuthView

        return ChanxAuthView


class DjangoAuthenticator(BaseAuthenticator):
    """Runs the handshake through a DRF view: authentication, permissions, object lookup.

    Configure it like a DRF view. Only what a subclass sets is handed to the view
    (``authentication_classes``, ``permission_classes``, ``queryset``, ``lookup_field``,
    ``lookup_url_kwarg``, and the methods ``get_queryset`` / ``get_object``); the rest keeps
    the view's values and DRF's ``DEFAULT_*`` settings. After success, :attr:`user`,
    :attr:`obj` and :attr:`request` are set for ``post_authentication``.
    """

    authentication_classes: Sequence[type[BaseAuthentication]]
    permission_classes: Sequence[type[BasePermission]]
    #: Objects the URL may name; setting it enables the object lookup and object permissions.
    queryset: QuerySet[Any]
    lookup_field: str
    lookup_url_kwarg: str | None
    #: HTTP verb the handshake is presented as (permissions such as ``IsAuthenticatedOrReadOnly``
    #: look at it).
    auth_method: Literal["get", "post", "put", "patch", "delete", "options"] = "get"
    if TYPE_CHECKING:
        #: The DRF view class dispatched (default :class:`~chanx.channels.auth_view.ChanxAuthView`).
        auth_view_class: ClassVar[type[GenericAPIView[Any]]]
    else:
        auth_view_class = _DefaultView()
    #: With a custom ``auth_view_class``, replace its handlers by stubs (its authentication,
    #: permissions and ``initial()`` still run); ``False`` runs its real handlers.
    override_http_methods: bool = True
    #: AsyncAPI security schemes, derived from the DRF authentication classes (session,
    #: token, basic); assign a dict on a subclass to state them yourself.
    security_schemes = DRFSecuritySchemes()

    obj: Any
    status_code: int  # the DRF response's status after ``authenticate()``

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.auth_method not in _METHODS:
            raise TypeError(
                f"{cls.__qualname__}.auth_method must be one of {', '.join(map(repr, _METHODS))}, "
                f"got {cls.auth_method!r}"
            )
        view = cls.__dict__.get("auth_view_class")
        if view is not None:
            from rest_framework.views import APIView

            if not (isinstance(view, type) and issubclass(view, APIView)):
                raise TypeError(
                    f"{cls.__qualname__}.auth_view_class must be a DRF view class "
                    f"(a GenericAPIView subclass), got {view!r}"
                )

    def __init__(self, consumer: Any) -> None:
        super().__init__(consumer)
        self.obj = None
        self.view: GenericAPIView[Any] | None = None
        self._request: Any = None
        self._data: dict[str, Any] = {}

    # -- what the view's code may also want to read -----------------------------------------
    @property
    def request(self) -> Any:
        """The Django request before dispatch, DRF's ``Request`` (with its user) after."""
        view = self.view
        return getattr(view, "request", self._request) if view is not None else self._request

    @property
    def kwargs(self) -> dict[str, Any]:
        """The WebSocket route's keyword URL arguments (``view.kwargs`` holds the same)."""
        return dict(self.scope.get("url_route", {}).get("kwargs", {}))

    @property
    def args(self) -> tuple[Any, ...]:
        """The WebSocket route's positional URL arguments."""
        return tuple(self.scope.get("url_route", {}).get("args", ()))

    def get_queryset(self) -> QuerySet[Any]:
        """The view's queryset (override like a DRF view's ``get_queryset``)."""
        view = self._current_view()
        return type(view).get_queryset(view)  # the class's, not this method copied onto it

    def get_object(self) -> Any:
        """The object the URL names, as the view's ``get_object()`` finds it (404, object
        permissions). Override it like a DRF view's; ``super().get_object()`` works."""
        view = self._current_view()
        kwarg = view.lookup_url_kwarg or view.lookup_field
        if kwarg not in view.kwargs:
            raise LookupError(
                f"{type(self).__qualname__}: the route has no URL argument {kwarg!r} "
                f"(arguments: {sorted(view.kwargs)}); set lookup_url_kwarg"
            )
        return type(view).get_object(view)

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        """The view's object permission check (for overrides of :meth:`get_object`)."""
        self._current_view().check_object_permissions(request, obj)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The view's queryset filtering (for overrides of :meth:`get_object`)."""
        return self._current_view().filter_queryset(queryset)

    # -- the sequence ------------------------------------------------------------------------
    async def _authenticate(self, scope: Scope | None = None) -> bool:
        """Dispatch the handshake through the view (one worker-thread hop); True on 200."""
        if scope is not None:
            self.scope = scope
        try:
            status = await database_sync_to_async(self._dispatch)()
        except Exception:
            logger.exception("%s failed", type(self).__qualname__)
            status, self._data = 500, dict(_FAILED)
        self.status_code = status
        detail = self._data.get("detail")
        self.detail = detail if isinstance(detail, str) else None
        return status == 200

    if not TYPE_CHECKING:  # typed loosely on the base class, so both override forms check
        authenticate = _authenticate

    def authentication_message(self, authenticated: bool) -> BaseModel | None:
        """The ``authentication`` frame, on success and failure (unless
        ``SEND_AUTHENTICATION_MESSAGE`` is off): status, reason phrase and the DRF body."""
        if not chanx_settings.SEND_AUTHENTICATION_MESSAGE:
            return None
        from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload

        status = self.status_code if authenticated else self.close_code - 4000
        data = {"detail": "OK"} if authenticated else self._data
        payload = AuthenticationPayload(
            status_code=status, status_text=status_text(status), data=data
        )
        return AuthenticationMessage(payload=payload)

    def _current_view(self) -> GenericAPIView[Any]:
        if self.view is None:
            raise RuntimeError(f"{type(self).__qualname__}: no view before authenticate() runs")
        return self.view

    def _overrides(self, name: str) -> bool:
        return getattr(type(self), name) is not getattr(DjangoAuthenticator, name)

    def _make_view(self) -> GenericAPIView[Any]:
        from chanx.channels.auth_view import AuthActionInterceptMixin, intercepted

        view_class = self.auth_view_class
        if self.override_http_methods:
            view_class = intercepted(view_class)
        view = view_class()
        for name in _VIEW_ATTRIBUTES:
            if hasattr(type(self), name):
                setattr(view, name, getattr(self, name))
        overridden = [name for name in ("get_queryset", "get_object") if self._overrides(name)]
        for name in overridden:
            setattr(view, name, getattr(self, name))
        # the default get_object too: it wraps the view's own with a clearer routing error
        view.get_object = self.get_object  # type: ignore[method-assign]
        if isinstance(view, AuthActionInterceptMixin) and overridden:
            view.chanx_lookup = True  # the project's own lookup, with or without a queryset
        return view

    def _dispatch(self) -> int:
        from django.db.models import QuerySet

        request = request_from_scope(self.scope, self.auth_method)
        self._request = request
        view = self._make_view()
        self.view = view
        route = self.scope.get("url_route", {})
        args, kwargs = tuple(route.get("args", ())), dict(route.get("kwargs", {}))
        view.setup(request, *args, **kwargs)
        response = view.dispatch(request, *args, **kwargs)
        status: int = response.status_code
        self._data = _plain(getattr(response, "data", None))
        if status != 200:
            return status
        self.user = view.request.user
        found = getattr(view, "chanx_object", None)
        queryset = getattr(view, "queryset", None)
        if found is None and (isinstance(queryset, QuerySet) or self._overrides("get_object")):
            try:  # a view with real handlers did not keep it: look it up again
                found = view.get_object()
            except Exception:
                logger.debug("no object for %s", type(self).__qualname__, exc_info=True)
        self.obj = found
        return status


def _plain(data: Any) -> dict[str, Any]:
    """A JSON-ready copy of a DRF response body (its ``ErrorDetail`` strings become ``str``)."""
    if data is None:
        return {}
    plain = json.loads(json.dumps(data, default=str))
    return plain if isinstance(plain, dict) else {"detail": plain}
