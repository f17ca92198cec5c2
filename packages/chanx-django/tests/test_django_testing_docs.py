"""The testing page's Django example (docs/examples/testing_django.py) passes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import testing_django  # noqa: E402


def websocket_application() -> Any:
    from django_chat.asgi import application

    return application.application_mapping["websocket"]


@pytest.mark.django
class PrivateRoomDocsTests(testing_django.PrivateRoomTests):
    """The example as written, with the project's WebSocket application named explicitly."""

    def setUp(self) -> None:
        self.router = websocket_application()
        super().setUp()
