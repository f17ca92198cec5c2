"""Serve the demo chat app (``hatch run demo:serve``)."""

from __future__ import annotations

import sys


def main() -> int:
    """Placeholder until the ASGI binding lands."""
    print("The demo app needs the chanx-asgi binding, which is not available yet.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
