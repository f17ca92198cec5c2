"""Fixtures shared by every test suite of the monorepo (root conftest, applies to all paths)."""

from __future__ import annotations

import importlib.util
import os
import socket

import pytest

# Loaded here rather than through its pytest11 entry point (see addopts in pyproject.toml).
# Skipped when chanx-asgi is not installed: CI runs the Django tests in a venv without it.
pytest_plugins = (
    ["chanx.fast_channels.pytest_plugin"] if importlib.util.find_spec("chanx.fast_channels") else []
)

REDIS_URL = os.environ.get("CHANX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parts = urlparse(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), 0.5
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a live Redis. Skips when absent, except under CI=true where it fails."""
    if not _redis_reachable(REDIS_URL):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required in CI but {REDIS_URL} does not answer")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``redis`` get the ``redis_url`` fixture, so they can never run without it."""
    for item in items:
        if item.get_closest_marker("redis") and "redis_url" not in getattr(
            item, "fixturenames", ()
        ):
            item.fixturenames.append("redis_url")  # type: ignore[attr-defined]
