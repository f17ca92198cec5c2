"""Fixtures of the chanx-client tests: a real uvicorn server running ``client_app``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from client_servers import AppServer, free_port

# The topic app keeps its history in the shared Redis: one key prefix per session keeps runs
# apart (the servers inherit it; the tests publish under it too).
os.environ.setdefault("CLIENT_TOPICS_PREFIX", f"chanx-client-tests-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AppServer]:
    """``client_app:app`` served by uvicorn on a free port (stopped after the test)."""
    app = AppServer(free_port(), tmp_path / "uvicorn.log")
    app.start()
    yield app
    app.stop()


@pytest.fixture
def topic_server(tmp_path: Path) -> Iterator[AppServer]:
    """``client_topic_app:app`` (topics with recovery, history in Redis) under uvicorn."""
    app = AppServer(free_port(), tmp_path / "uvicorn-topics.log", app="client_topic_app:app")
    app.start()
    yield app
    app.stop()
