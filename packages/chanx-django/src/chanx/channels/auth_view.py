"""The DRF view a ``DjangoAuthenticator`` dispatches the handshake through (needs DRF).

Running a real ``GenericAPIView`` means authentication, permissions, throttles, object lookup
and the error bodies are exactly DRF's. The view's handlers are stubs: they only look the
object up (when there is a queryset) and answer ``{"detail": "OK"}``; the status of the
response decides the outcome of the WebSocket authentication.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

__all__ = ["AuthActionInterceptMixin", "ChanxAuthView", "ChanxSerializer", "intercepted"]


class ChanxSerializer(serializers.Serializer[Any]):
    """The view's serializer: one optional ``detail`` field (documentation tools ask for one)."""

    detail = serializers.CharField(write_only=True, required=False)


class _FirstRenderer(BaseContentNegotiation):
    """A WebSocket handshake's ``Accept`` header says nothing about this response: never 406."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class AuthActionInterceptMixin:
    """Handlers of every method that only check the object and answer ``{"detail": "OK"}``.

    The object lookup runs when the view has a real ``QuerySet`` (or the authenticator
    supplies ``get_queryset``/``get_object``); its 404 and object permissions then apply. The
    object found is kept in :attr:`chanx_object`, so the authenticator needs no second query.
    """

    #: Whether the handlers call ``get_object()``; the authenticator sets it per connection.
    chanx_lookup: bool | None = None
    #: The object ``get_object()`` returned, if it ran.
    chanx_object: Any = None

    def _stub_answer(self) -> Response:
        view: Any = self
        lookup = self.chanx_lookup
        if lookup is None:
            lookup = isinstance(getattr(view, "queryset", None), QuerySet)
        if lookup:
            self.chanx_object = view.get_object()
        return Response({"detail": "OK"})

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Authenticated ``GET``: check the object, answer 200."""
        return self._stub_answer()

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Authenticated ``POST``: check the object, answer 200."""
        return self._stub_answer()

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Authenticated ``PUT``: check the object, answer 200."""
        return self._stub_answer()

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Authenticated ``PATCH``: check the object, answer 200."""
        return self._stub_answer()

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Authenticated ``DELETE``: check the object, answer 200."""
        return self._stub_answer()


class ChanxAuthView(AuthActionInterceptMixin, GenericAPIView[Any]):
    """Default ``auth_view_class`` of ``DjangoAuthenticator``: a generic view with stub handlers.

    Authentication and permission classes, queryset and lookup come from the authenticator
    (or DRF's defaults). Responses are JSON whatever the handshake's ``Accept`` header says.
    """

    serializer_class = ChanxSerializer
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FirstRenderer


_intercepted: weakref.WeakKeyDictionary[type, type] = weakref.WeakKeyDictionary()


def intercepted(view_class: type[GenericAPIView[Any]]) -> type[GenericAPIView[Any]]:
    """``view_class`` with its ``get``/``post``/``put``/``patch``/``delete`` replaced by stubs.

    The subclass (``Intercepted<View>``) is made once per view class. Its dispatch still runs
    the view's own authentication, permissions, throttles and ``initial()``.
    """
    if issubclass(view_class, AuthActionInterceptMixin):
        return view_class
    made = _intercepted.get(view_class)
    if made is None:
        made = type(f"Intercepted{view_class.__name__}", (AuthActionInterceptMixin, view_class), {})
        _intercepted[view_class] = made
    return made
