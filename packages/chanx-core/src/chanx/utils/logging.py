"""The ``chanx`` logger, parent of every logger chanx writes to (``chanx.consumer``, ...)."""

from __future__ import annotations

import logging

__all__ = ["logger"]

#: Configure it (level, handlers) to see everything chanx logs; it is a standard
#: :mod:`logging` logger, so structlog or any logging set-up can route it.
logger = logging.getLogger("chanx")
