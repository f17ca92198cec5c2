"""Record what a test sends through a Channels layer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from chanx.core.testing import RecordingLayer

__all__ = ["capture_layer"]


@contextlib.contextmanager
def capture_layer(alias: str = "default") -> Iterator[RecordingLayer]:
    """Record every ``send``/``group_send`` made through Channels layer ``alias``.

    .. code-block:: python

        with capture_layer() as layer:
            ...
        assert layer.broadcasts("room_1")[0]["action"] == "chat_notification"
    """
    from channels.layers import channel_layers

    backends: dict[str, Any] = channel_layers.backends
    inner = channel_layers[alias]
    recorder = RecordingLayer(inner)
    backends[alias] = recorder
    try:
        yield recorder
    finally:
        if backends.get(alias) is recorder:
            backends[alias] = inner
