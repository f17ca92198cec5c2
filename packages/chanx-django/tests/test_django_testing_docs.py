"""The testing page's Django example (docs/examples/testing_django.py) passes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import testing_django  # noqa: E402


@pytest.mark.django
class PrivateRoomDocsTests(testing_django.PrivateRoomTests):
    """The example as written (imported under another name, so pytest collects it once)."""
