"""Emit the TypeScript client (placeholder until the emitter lands)."""

from __future__ import annotations

from chanx.client_generator.spec import Api


def emit(api: Api) -> dict[str, str]:
    """Every file of the TypeScript client, keyed by relative path."""
    raise NotImplementedError
