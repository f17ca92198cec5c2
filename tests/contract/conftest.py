"""The binding contract suite: one set of behaviour tests, run once per binding.

Every behaviour of the seed page (``consumers-and-decorators``) is a test here, written once
against a *binding adapter* and run for each binding found next to this file, in the manner
of FastStream's per-broker test suites.

Adding a binding is a one-file change: create ``tests/contract/bindings_<name>.py`` with

``NAME: str``
    Test id (``"asgi"``, ``"django"``).
``MARKS: list[pytest.MarkDecorator]``
    Marks applied to every test of this binding (e.g. ``[pytest.mark.django]``).
``Consumer: type``
    The binding's ``AsyncJsonWebsocketConsumer`` (tests subclass it, also generically).
``def make_app(routes: Sequence[tuple[str, type]]) -> ASGIApp``
    An ASGI application routing each ``(path, consumer_class)``. Paths are written
    Starlette-style, ``/ws/rooms/{room_id}``; translate them for your router. The consumer
    must see path parameters as ``self.scope["path_params"]`` (the seed reads them there).
``AcceptConnection``, ``DenyConnection``
    The framework's exceptions that accept or refuse a handshake from ``connect``.
``def isolated_layer() -> AbstractAsyncContextManager[Any]``
    Register a fresh in-memory channel layer as the consumers' ``"default"`` layer for the
    duration of one test and restore the previous configuration afterwards.

The suite drives apps with chanx-core's ``WebsocketHarness`` (in process, no sockets), so a
binding only needs to be an ASGI application. Fixtures: ``binding`` (the adapter module) and
``open_ws(routes, path)`` (connects, disconnected after the test, inside an isolated layer).
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chanx.core.testing import WebsocketHarness

HERE = Path(__file__).resolve().parent


def _load_bindings() -> list[ModuleType]:
    modules = []
    for path in sorted(HERE.glob("bindings_*.py")):
        spec = importlib.util.spec_from_file_location(f"chanx_contract_{path.stem}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in (
            "NAME",
            "MARKS",
            "Consumer",
            "make_app",
            "isolated_layer",
            "AcceptConnection",
            "DenyConnection",
        ):
            if not hasattr(module, name):
                raise TypeError(f"{path.name} must define {name} (see tests/contract/conftest.py)")
        modules.append(module)
    return modules


BINDINGS = _load_bindings()


@pytest.fixture(params=[pytest.param(b, id=b.NAME, marks=b.MARKS) for b in BINDINGS])
def binding(request: pytest.FixtureRequest) -> ModuleType:
    """The binding adapter module under test."""
    module: ModuleType = request.param
    return module


OpenWs = Callable[..., Awaitable[WebsocketHarness]]


@pytest.fixture
async def layer(binding: ModuleType) -> AsyncIterator[Any]:
    """The fresh in-memory layer the binding registered for this test."""
    async with binding.isolated_layer() as fresh:
        yield fresh


@pytest.fixture
async def open_ws(binding: ModuleType, layer: Any) -> AsyncIterator[OpenWs]:
    """``await open_ws(routes, path, query_string=..., expect_accept=True)``."""
    opened: list[WebsocketHarness] = []

    async def connect(
        routes: Sequence[tuple[str, type]], path: str, *, accept: bool = True, **kwargs: Any
    ) -> WebsocketHarness:
        ws = WebsocketHarness(binding.make_app(routes), path, **kwargs)
        opened.append(ws)
        result = await ws.connect()
        if accept:
            assert result.accepted, f"{path}: refused with {result.close_code}"
        return ws

    yield connect
    for ws in reversed(opened):
        await ws.disconnect()
