"""Small helpers chanx 2.x documents under ``chanx.utils``: tasks, the logger, group names."""
