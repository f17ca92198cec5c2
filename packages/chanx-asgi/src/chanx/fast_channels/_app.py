"""The ASGI application ``as_asgi()`` returns: one consumer instance per connection.

It is a class instance on purpose. Starlette's ``WebSocketRoute`` wraps plain functions as
``func(websocket)`` endpoints and passes anything else through as raw ASGI, so an instance is
mounted as the ASGI app it is. FastAPI's ``add_api_websocket_route`` instead inspects the
endpoint's signature for dependency injection: the instance advertises ``(websocket:
WebSocket)`` there, and a call with ``websocket=`` is unwrapped back to ASGI.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket

if TYPE_CHECKING:
    from chanx.core.types import ASGIReceive, ASGISend, Scope

__all__ = ["ConsumerApp"]

_FASTAPI_SIGNATURE = inspect.Signature(
    [inspect.Parameter("websocket", inspect.Parameter.KEYWORD_ONLY, annotation=WebSocket)]
)


class ConsumerApp:
    """Serve each WebSocket connection with a new ``consumer_class(**consumer_initkwargs)``.

    ``consumer_class`` and ``consumer_initkwargs`` are public: the AsyncAPI generator reads
    them to find the consumers an application routes.
    """

    def __init__(self, consumer_class: type[Any], initkwargs: dict[str, Any]) -> None:
        self.consumer_class = consumer_class
        self.consumer_initkwargs = initkwargs
        self.__name__ = consumer_class.__name__
        self.__qualname__ = consumer_class.__qualname__
        self.__doc__ = consumer_class.__doc__
        self.__module__ = consumer_class.__module__
        # Read by inspect.signature(): what FastAPI's dependency injection sees.
        self.__signature__ = _FASTAPI_SIGNATURE

    async def __call__(
        self,
        scope: Scope | WebSocket | None = None,
        receive: ASGIReceive | None = None,
        send: ASGISend | None = None,
        *,
        websocket: WebSocket | None = None,
    ) -> None:
        """Serve one connection: ``(scope, receive, send)``, or a Starlette ``WebSocket``."""
        if isinstance(scope, WebSocket):  # a framework handed us its WebSocket object
            websocket = scope
        if websocket is not None:  # FastAPI's add_api_websocket_route calls websocket=...
            # The consumer speaks ASGI itself (accept, close, frames), so it takes the raw
            # callables the WebSocket wraps: Starlette's per-message state checks cost ~10% of
            # a small request in process (bench/bench_asgi_dispatch.py). Public ones otherwise.
            raw: Any = websocket
            scope = websocket.scope
            receive = getattr(raw, "_receive", None) or raw.receive
            send = getattr(raw, "_send", None) or raw.send
        if scope is None or receive is None or send is None:
            raise TypeError(f"{self.__name__} is an ASGI app: call it with (scope, receive, send)")
        assert not isinstance(scope, WebSocket)
        if scope["type"] != "websocket":
            raise ValueError(f"{self.__name__} serves WebSocket connections, got {scope['type']!r}")
        await self.consumer_class(**self.consumer_initkwargs)(scope, receive, send)

    def __repr__(self) -> str:
        return f"<ConsumerApp {self.consumer_class.__qualname__}>"
