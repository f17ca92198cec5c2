"""Small helpers chanx 2.x documents under ``chanx.utils``: tasks, the logger, group names,
the ASGI scope, the framework in use and streaming deltas."""
