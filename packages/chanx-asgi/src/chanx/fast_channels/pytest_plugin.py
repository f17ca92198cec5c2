"""pytest fixtures for ASGI consumers, registered through the ``pytest11`` entry point.

Installing chanx-asgi makes them available in every test session:

``chanx_layer``
    A fresh in-memory channel layer registered as ``"default"`` for one test.
``chanx_recording_layer``
    The same, wrapped in a ``RecordingLayer`` that records broadcasts and events.
``chanx_communicator``
    (needs pytest-asyncio) A factory ``await chanx_communicator(app, path, **kwargs)`` that
    connects a :class:`~chanx.fast_channels.testing.WebsocketCommunicator` and disconnects it
    after the test.

pytest loads plugins before coverage measurement starts, so this module imports chanx only
inside the fixtures: importing it here would hide module-level lines from coverage reports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chanx.core.layers import InMemoryChannelLayer
    from chanx.core.testing import RecordingLayer
    from chanx.fast_channels.testing import WebsocketCommunicator

__all__ = ["chanx_layer", "chanx_recording_layer"]

CommunicatorFactory = Callable[..., Awaitable["WebsocketCommunicator"]]


@pytest.fixture
def chanx_layer() -> Iterator[InMemoryChannelLayer]:
    """A fresh in-memory layer registered as ``"default"`` for this test only."""
    from chanx.fast_channels.testing import isolated_layer

    with isolated_layer() as layer:
        yield layer


@pytest.fixture
def chanx_recording_layer(chanx_layer: InMemoryChannelLayer) -> Iterator[RecordingLayer]:
    """Records every broadcast and event sent through the test's ``"default"`` layer."""
    from chanx.fast_channels.testing import capture_layer

    with capture_layer() as recorder:
        yield recorder


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the factory needs an async fixture runner
    pass
else:

    @pytest_asyncio.fixture
    async def chanx_communicator(
        chanx_layer: InMemoryChannelLayer,
    ) -> AsyncIterator[CommunicatorFactory]:
        """Connect communicators (``await chanx_communicator(app, path)``), closed at teardown."""
        from chanx.fast_channels.testing import WebsocketCommunicator

        opened: list[WebsocketCommunicator] = []

        async def connect(app: Any, path: str = "/", **kwargs: Any) -> WebsocketCommunicator:
            communicator = WebsocketCommunicator(app, path, **kwargs)
            result = await communicator.connect()
            if not result.accepted:
                raise AssertionError(f"{path}: connection refused with code {result.close_code}")
            opened.append(communicator)
            return communicator

        yield connect
        for communicator in reversed(opened):
            await communicator.disconnect()

    __all__ += ["chanx_communicator"]
