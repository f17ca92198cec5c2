"""Fixtures of the chanx-client tests: a real uvicorn server running ``client_app``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from client_servers import AppServer, free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AppServer]:
    """``client_app:app`` served by uvicorn on a free port (stopped after the test)."""
    app = AppServer(free_port(), tmp_path / "uvicorn.log")
    app.start()
    yield app
    app.stop()
