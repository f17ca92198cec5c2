"""The chanx demo: a FastAPI chat served by ``hatch run demo:serve`` (``python -m demo``)."""
