"""Fixtures of the chanx-asyncapi tests: the kitchen-sink app module and the official parser."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:  # the kitchen-sink module is imported by name
    sys.path.insert(0, str(TESTS_DIR))
