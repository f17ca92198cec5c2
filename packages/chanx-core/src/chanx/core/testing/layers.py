"""A channel layer wrapper that records what a test sent through it."""

from __future__ import annotations

import json
from typing import Any

from chanx.core.types import LayerMessage

__all__ = ["RecordingLayer"]


class RecordingLayer:
    """Wraps a channel layer and records every ``send`` and ``group_send`` made through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[tuple[str, LayerMessage]] = []
        self.group_sent: list[tuple[str, LayerMessage]] = []

    async def send(self, channel: str, message: LayerMessage) -> None:
        """Record, then forward."""
        self.sent.append((channel, message))
        await self.inner.send(channel, message)

    async def group_send(self, group: str, message: LayerMessage) -> None:
        """Record, then forward."""
        self.group_sent.append((group, message))
        await self.inner.group_send(group, message)

    def broadcasts(self, group: str | None = None) -> list[Any]:
        """Decoded JSON of the broadcasts recorded (optionally for one group)."""
        return [
            json.loads(m["text"])
            for g, m in self.group_sent
            if m.get("type") == "chanx.broadcast" and (group is None or g == group)
        ]

    def events(self) -> list[tuple[str, Any]]:
        """``(target, decoded event)`` of every event sent or broadcast."""
        every = [*self.sent, *self.group_sent]
        return [(t, json.loads(m["event"])) for t, m in every if m.get("type") == "chanx.event"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
